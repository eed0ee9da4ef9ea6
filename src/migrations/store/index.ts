import { Initial1795914926527 } from './1795914926527-Initial';
import { StoreLocks1795915118777 } from './1795915118777-StoreLocks';
import { PurgePositions1796135362493 } from './1796135362493-PurgePositions';
import { StatsIndexes1796135546501 } from './1796135546501-StatsIndexes';
import { GaleraStoreLockGeneration1796137625739 } from './1796137625739-GaleraStoreLockGeneration';
import { PreferenceTallies1796145009041 } from './1796145009041-PreferenceTallies';
import { StatsRollups1796145332074 } from './1796145332074-StatsRollups';
import { CustomersUpdatedIndex1796149181269 } from './1796149181269-CustomersUpdatedIndex';

/** In order; each runs on every store database at start and with `npm run migrate`. */
export const STORE_MIGRATIONS = [Initial1795914926527, StoreLocks1795915118777, PurgePositions1796135362493, StatsIndexes1796135546501, GaleraStoreLockGeneration1796137625739, PreferenceTallies1796145009041, StatsRollups1796145332074, CustomersUpdatedIndex1796149181269];
