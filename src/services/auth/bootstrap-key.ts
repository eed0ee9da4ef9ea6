import type { EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../../entities/catalog';
import { BOOTSTRAP_KEY_ID } from './api-key.service';
import { ALL_SCOPES } from '../../auth/scope';
import { hashSecret, sameHash } from './secrets';

export type BootstrapOutcome = 'created' | 'replaced' | 'kept' | 'kept-revoked';

/**
 * Makes sure the operator key named by BOOTSTRAP_ADMIN_KEY exists with exactly that secret and
 * every scope. A revocation is a decision and outlives restarts: the key comes back only when
 * the secret itself changes (a new BOOTSTRAP_ADMIN_KEY is a new key, with a fresh row state).
 */
export async function ensureBootstrapKey(catalog: EntityManager, secret: string): Promise<BootstrapOutcome> {
  const repo = catalog.getRepository(ApiKeyEntity);
  const secretHash = hashSecret(secret);
  const existing = await repo.findOneBy({ id: BOOTSTRAP_KEY_ID });
  if (existing && sameHash(existing.secretHash, secretHash)) {
    // Scopes added in a later version reach the operator key too; its revocation stays.
    const scopesChanged = existing.scopes.length !== ALL_SCOPES.length || ALL_SCOPES.some((s) => !existing.scopes.includes(s));
    if (scopesChanged || !existing.operator) await repo.update({ id: BOOTSTRAP_KEY_ID }, { scopes: [...ALL_SCOPES], operator: true });
    return existing.revokedAt ? 'kept-revoked' : 'kept';
  }
  const fresh = {
    name: 'operator (BOOTSTRAP_ADMIN_KEY)',
    companyId: null,
    storeIds: null,
    scopes: [...ALL_SCOPES],
    operator: true,
    secretHash,
    createdByKeyId: null,
    createdAt: new Date(),
    lastUsedAt: null,
    revokedAt: null,
  };
  if (existing) {
    await repo.update({ id: BOOTSTRAP_KEY_ID }, fresh);
    return 'replaced';
  }
  try {
    await repo.insert({ id: BOOTSTRAP_KEY_ID, ...fresh });
    return 'created';
  } catch (err) {
    // Another instance starting beside this one inserted it first: the same secret, so done.
    const raced = await repo.findOneBy({ id: BOOTSTRAP_KEY_ID });
    if (raced && sameHash(raced.secretHash, secretHash)) return raced.revokedAt ? 'kept-revoked' : 'kept';
    throw err;
  }
}
