import { Initial1795914926527 } from './1795914926527-Initial';

/** In order; each runs on every store database at start and with `npm run migrate`. */
export const STORE_MIGRATIONS = [Initial1795914926527];
