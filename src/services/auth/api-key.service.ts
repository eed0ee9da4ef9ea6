import { randomUUID } from 'node:crypto';
import { type EntityManager, In, IsNull } from 'typeorm';
import type { Tenancy } from '../../tenancy/tenancy';
import { ApiKeyEntity, StoreEntity } from '../../entities/catalog';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors';
import { ALL_SCOPES, Scope } from '../../auth/scope';
import { Principal } from '../../auth/principal';
import { reachesKey } from '../../auth/reach';
import { catalogCache } from '../../tenancy/catalog-cache';
import { hashSecret, newSecret, sameHash } from './secrets';

export const BOOTSTRAP_KEY_ID = 'bootstrap';
/** lastUsedAt is refreshed at most this often, so reads do not each cost a catalog write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const MAX_KEY_NAME_LENGTH = 100;

/** A key's name, trimmed; null when none is given. 1-100 characters, no control characters. */
export function validKeyName(name: string | null | undefined): string | null {
  if (name === undefined || name === null) return null;
  const clean = name.trim();
  if (clean.length === 0 || clean.length > MAX_KEY_NAME_LENGTH || /\p{Cc}/u.test(clean)) {
    throw new BadUserInputError(`\`name\` must be 1-${MAX_KEY_NAME_LENGTH} characters without control characters`);
  }
  return clean;
}

export interface CreatedKey {
  key: ApiKeyEntity;
  secret: string;
}

export class ApiKeyService {
  /** Authentication runs before there is a principal: the system catalog. */
  private readonly catalog: EntityManager;

  constructor(private readonly tenancy: Pick<Tenancy, 'systemCatalog' | 'reachesCompany'>) {
    this.catalog = tenancy.systemCatalog();
  }

  /** The last lastUsedAt refresh started (tests await it before counting statements). */
  lastTouch: Promise<unknown> = Promise.resolve();

  /**
   * Resolves a bearer secret to a principal, or null for a missing, unknown or revoked key. The
   * key row is kept across requests until the catalog version moves (tenancy/catalog-cache.ts):
   * one version read per request instead of the key's row.
   */
  async authenticate(secret: string | null): Promise<Principal | null> {
    if (!secret) return null;
    const hash = hashSecret(secret);
    const repo = this.catalog.getRepository(ApiKeyEntity);
    const key = await catalogCache(this.catalog.dataSource).apiKey(hash, () => repo.findOneBy({ secretHash: hash }));
    if (!key || key.revokedAt || !sameHash(key.secretHash, hash)) return null;
    const now = Date.now();
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // Off the response path, and at most once a resolution per key and instance: a lost
      // refresh costs the accuracy of a "last used" date, never an answer.
      const lastUsedAt = new Date(now);
      catalogCache(this.catalog.dataSource).touchKey(hash, { lastUsedAt });
      this.lastTouch = repo.update({ id: key.id }, { lastUsedAt }).catch(() => undefined);
    }
    return toPrincipal(key);
  }

  /**
   * Creates a key for a company. It can never grant more than the caller holds: no scope the
   * caller lacks, no store outside the caller's reach.
   */
  async create(caller: Principal, companyId: string, storeIds: string[] | null, scopes: Scope[], name?: string | null): Promise<CreatedKey> {
    const keyName = validKeyName(name);
    if (!this.tenancy.reachesCompany({ principal: caller }, companyId)) throw new NotFoundError('Company');
    const missing = scopes.filter((s) => !caller.scopes.has(s));
    if (missing.length) throw new ForbiddenError(`A key cannot grant scopes it does not hold: ${missing.join(', ')}`);
    if (scopes.length === 0) throw new BadUserInputError('A key needs at least one scope');
    const uniqueStores = storeIds ? [...new Set(storeIds)] : null;
    if (uniqueStores) {
      const stores = uniqueStores.length
        ? await this.catalog.getRepository(StoreEntity).findBy({ id: In(uniqueStores), companyId, deletedAt: IsNull() })
        : [];
      const outside = uniqueStores.filter((id) => !stores.some((s) => s.id === id) || (caller.storeIds && !caller.storeIds.has(id)));
      if (outside.length) throw new NotFoundError('Store');
      if (uniqueStores.length === 0) throw new BadUserInputError('`storeIds`, when given, must name at least one store');
    } else if (caller.storeIds) {
      throw new ForbiddenError('A key narrowed to some stores can only create keys narrowed to those stores');
    }
    const secret = newSecret();
    const key = await this.catalog.getRepository(ApiKeyEntity).save({
      id: randomUUID(),
      name: keyName,
      companyId,
      storeIds: uniqueStores,
      scopes: [...new Set(scopes)],
      operator: false,
      secretHash: hashSecret(secret),
      createdByKeyId: caller.apiKeyId,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { key, secret };
  }

  /** The keys the caller may see (see `reachesKey`), newest first. */
  async list(caller: Principal, companyId: string | null): Promise<ApiKeyEntity[]> {
    const where = caller.operator
      ? companyId
        ? { companyId }
        : {}
      : { companyId: caller.companyId ?? IsNull() };
    const keys = await this.catalog.getRepository(ApiKeyEntity).find({ where, order: { createdAt: 'DESC', id: 'ASC' } });
    return keys.filter((k) => reachesKey(caller, k));
  }

  /** Revokes a key within the caller's reach; any other key is NOT_FOUND, exactly like a missing one. */
  async revoke(caller: Principal, id: string): Promise<ApiKeyEntity> {
    const repo = this.catalog.getRepository(ApiKeyEntity);
    const key = await repo.findOneBy({ id });
    if (!key || !reachesKey(caller, key)) throw new NotFoundError('API key');
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await repo.update({ id }, { revokedAt: key.revokedAt });
    }
    return key;
  }
}

export function toPrincipal(key: ApiKeyEntity): Principal {
  return {
    apiKeyId: key.id,
    companyId: key.companyId,
    storeIds: key.storeIds ? new Set(key.storeIds) : null,
    scopes: new Set(key.scopes.filter((s): s is Scope => (ALL_SCOPES as string[]).includes(s))),
    operator: key.operator,
  };
}
