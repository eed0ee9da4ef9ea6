import type { StoreEntity } from '../entities/catalog';
import type { Principal } from './principal';

/**
 * Reach: which companies and stores a principal may see. Tenancy asks these before it opens a
 * store's database; anything out of reach is answered NOT_FOUND, exactly like a missing one.
 */
export function reachesCompany(p: Principal, companyId: string): boolean {
  return p.operator || p.companyId === companyId;
}

export function reachesStore(p: Principal, store: Pick<StoreEntity, 'id' | 'companyId'>): boolean {
  if (p.operator) return true;
  return p.companyId === store.companyId && (p.storeIds === null || p.storeIds.has(store.id));
}
