import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { StoreEntity } from '../entities/catalog';
import { NotFoundError, StoreMovedError, UnauthenticatedError } from '../errors';
import type { Principal } from '../services/auth/principal';
import { reachesStore } from '../services/auth/principal';
import type { StoreRegistry } from './store-registry';

/** What tenancy needs of a request: who is asking, and the request's store lookup. */
export interface TenancyContext {
  principal: Principal | null;
  loaders: { storeById: { load(id: string): Promise<StoreEntity | null>; prime(id: string, store: StoreEntity): unknown }; clearStore(storeId: string): void };
}

/**
 * The only way services reach a database. Every store access is checked against the caller's
 * reach first; a store outside it is NOT_FOUND, exactly like a store that does not exist.
 */
export class Tenancy {
  constructor(
    readonly catalog: DataSource,
    readonly registry: StoreRegistry,
  ) {}

  principal(ctx: TenancyContext): Principal {
    if (!ctx.principal) throw new UnauthenticatedError();
    return ctx.principal;
  }

  async store(ctx: TenancyContext, storeId: string): Promise<StoreEntity> {
    const principal = this.principal(ctx);
    const store = await ctx.loaders.storeById.load(storeId);
    if (!store || !reachesStore(principal, store)) throw new NotFoundError('Store');
    return store;
  }

  async storeManager(ctx: TenancyContext, storeId: string): Promise<EntityManager> {
    return this.registry.manager(await this.store(ctx, storeId));
  }

  /** One transaction on one store database; `work` must write only through the manager it gets. */
  async storeTransaction<T>(ctx: TenancyContext, storeId: string, work: (em: EntityManager, store: StoreEntity) => Promise<T>): Promise<T> {
    const store = await this.store(ctx, storeId);
    try {
      try {
        return await this.registry.transaction(store, (em) => work(em, store));
      } catch (err) {
        if (!(err instanceof StoreMovedError)) throw err;
        // The store moved while this waited for its lock (thrown by the lock every unit of work
        // takes first, so nothing was written): once more, where the catalog says it lives now.
        // The request's cached row is updated in place so its later reads follow too.
        const [fresh] = await this.storesByIds([store.id]);
        if (!fresh || (fresh.server === store.server && fresh.databaseName === store.databaseName)) throw err;
        Object.assign(store, { server: fresh.server, databaseName: fresh.databaseName });
        return await this.registry.transaction(store, (em) => work(em, store));
      }
    } finally {
      // Whatever this request loaded from the store before the write is stale now.
      ctx.loaders.clearStore(storeId);
    }
  }

  /** The stores a caller reaches, optionally within one company, in a stable order. */
  async reachableStores(ctx: TenancyContext, companyId?: string): Promise<StoreEntity[]> {
    const p = this.principal(ctx);
    const repo = this.catalog.getRepository(StoreEntity);
    const company = companyId ?? p.companyId;
    if (!p.operator && company !== p.companyId) return [];
    // A deleted store (deleteStore) is in no list.
    const where = company ? { companyId: company, deletedAt: IsNull() } : { deletedAt: IsNull() };
    const stores = p.storeIds
      ? await repo.find({ where: { ...where, id: In([...p.storeIds]) }, order: { createdAt: 'ASC', id: 'ASC' } })
      : await repo.find({ where, order: { createdAt: 'ASC', id: 'ASC' } });
    const reachable = stores.filter((s) => reachesStore(p, s));
    // Later per-store calls in this request find their catalog row without another statement.
    for (const s of reachable) ctx.loaders.storeById.prime(s.id, s);
    return reachable;
  }

  /** Batch lookup used by the request's storeById loader (no reach check: callers go through `store`). */
  async storesByIds(ids: readonly string[]): Promise<(StoreEntity | null)[]> {
    // A deleted store is NOT_FOUND everywhere, exactly like one that never existed.
    const rows = await this.catalog.getRepository(StoreEntity).findBy({ id: In([...ids]), deletedAt: IsNull() });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
