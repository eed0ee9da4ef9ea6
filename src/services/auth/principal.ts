import type { StoreEntity } from '../../entities/catalog';
import { Scope } from './scope';

/** Who is calling, resolved once per request from the API key. */
export interface Principal {
  apiKeyId: string;
  /** Null for operator keys, which reach every company. */
  companyId: string | null;
  /** Null: every store of the company. */
  storeIds: ReadonlySet<string> | null;
  scopes: ReadonlySet<Scope>;
  operator: boolean;
}

export function reachesCompany(p: Principal, companyId: string): boolean {
  return p.operator || p.companyId === companyId;
}

export function reachesStore(p: Principal, store: Pick<StoreEntity, 'id' | 'companyId'>): boolean {
  if (p.operator) return true;
  return p.companyId === store.companyId && (p.storeIds === null || p.storeIds.has(store.id));
}

export function hasScope(p: Principal | null, scope: Scope): boolean {
  return !!p && p.scopes.has(scope);
}
