import { ALL_SCOPES, Scope } from './scope';

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

export function hasScope(p: Principal | null, scope: Scope): boolean {
  return !!p && p.scopes.has(scope);
}

/**
 * The platform acting on its own (CLI, schedules, recovery, webhooks in, the demo seed): every
 * scope, every company. `name` is what the audit trail records as the key.
 */
export function operatorPrincipal(name: string): Principal {
  return { apiKeyId: name, companyId: null, storeIds: null, scopes: new Set(ALL_SCOPES), operator: true };
}
