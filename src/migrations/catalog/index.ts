import { Initial1795914306207 } from './1795914306207-Initial';

/** In order; each runs on every catalog database at start and with `npm run migrate`. */
export const CATALOG_MIGRATIONS = [Initial1795914306207];
