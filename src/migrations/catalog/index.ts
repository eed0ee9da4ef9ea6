import { Initial1795914924157 } from './1795914924157-Initial';

/** In order; each runs on every catalog database at start and with `npm run migrate`. */
export const CATALOG_MIGRATIONS = [Initial1795914924157];
