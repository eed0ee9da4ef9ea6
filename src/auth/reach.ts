import type { ApiKeyEntity, StoreEntity } from '../entities/catalog';
import type { Principal } from './principal';
import type { Scope } from './scope';

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

/**
 * Whether a key administrator may see or revoke a key (api.md): an operator reaches every key;
 * any other caller only keys of its own company that hold no scope it lacks, and, when the
 * caller is narrowed to stores, only keys narrowed to a subset of those stores (never a
 * company-wide key, which would reach the stores it does not).
 */
export function reachesKey(caller: Principal, key: Pick<ApiKeyEntity, 'companyId' | 'storeIds' | 'scopes'>): boolean {
  if (caller.operator) return true;
  if (!key.companyId || !reachesCompany(caller, key.companyId)) return false;
  if (!key.scopes.every((s) => caller.scopes.has(s as Scope))) return false;
  if (caller.storeIds === null) return true;
  const within = caller.storeIds;
  return key.storeIds !== null && key.storeIds.length > 0 && key.storeIds.every((id) => within.has(id));
}
