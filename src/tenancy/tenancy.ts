import { Mutex } from 'async-mutex';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { StoreCredentialEntity, StoreEntity } from '../entities/catalog';
import { ForbiddenError, NotFoundError, StoreMovedError, UnauthenticatedError } from '../errors';
import type { Principal } from '../auth/principal';
import { reachesCompany, reachesStore } from '../auth/reach';
import type { StoreLocation, StoreRegistry } from './store-registry';
import { catalogCache } from './catalog-cache';
import { credentialGeneration, recordGeneration } from './store-credentials';
import { flushDeletedPages } from './store-lock';

/** What tenancy needs of a request: who is asking, and the request's store lookup. */
export interface TenancyContext {
  principal: Principal | null;
  loaders: { storeById: { load(id: string): Promise<StoreEntity | null>; prime(id: string, store: StoreEntity): unknown }; clearStore(storeId: string): void };
}

/** Who asks, for the calls that need no request cache (workers, CLIs, recovery). */
export type Caller = Pick<TenancyContext, 'principal'>;

/**
 * The only way services reach a database. Every store access is checked against the caller's
 * reach first; a store outside it is NOT_FOUND, exactly like a store that does not exist.
 */
export class Tenancy {
  /** Embedded SQLite has one catalog connection: its transactions take turns (see catalogTransaction). */
  private readonly catalogWrites = new Mutex();

  constructor(
    private readonly catalog: DataSource,
    private readonly registry: StoreRegistry,
  ) {
    registry.generationOf = (storeId) => credentialGeneration(catalog.manager, storeId);
  }

  /**
   * The catalog for the few that work with no caller at all, built once per process before any
   * request: authenticating an API key, the audit writer (it also records unauthenticated system
   * work), leases, and start-up (the bootstrap key, the sub-processor registry). Everything else
   * asks with a caller (`catalogManager`, `operatorCatalog`).
   */
  systemCatalog(): EntityManager {
    return this.catalog.manager;
  }

  /**
   * One transaction on the catalog (a ledger update with its webhook outbox row, say). On
   * embedded SQLite the catalog is one connection, where two transactions cannot be open at
   * once: they are run one after the other.
   */
  async catalogTransaction<T>(ctx: Caller, work: (em: EntityManager) => Promise<T>): Promise<T> {
    this.principal(ctx);
    if (this.catalog.options.type === 'better-sqlite3') return this.catalogWrites.runExclusive(() => this.catalog.transaction(work));
    return this.catalog.transaction(work);
  }

  principal(ctx: Caller): Principal {
    if (!ctx.principal) throw new UnauthenticatedError();
    return ctx.principal;
  }

  /**
   * The catalog for one authenticated request (UNAUTHENTICATED without a principal). It does not
   * check reach: the caller filters by stores it got from `store` or `storesInScope`.
   */
  catalogManager(ctx: Caller): EntityManager {
    this.principal(ctx);
    return this.catalog.manager;
  }

  /**
   * The whole catalog, across companies, for operator principals only (the CLIs, the workers,
   * recovery, the demo seed): FORBIDDEN for any other caller.
   */
  operatorCatalog(ctx: Caller): EntityManager {
    if (!this.principal(ctx).operator) throw new ForbiddenError('Only the platform itself works across companies');
    return this.catalog.manager;
  }

  /** Whether the caller reaches a company (anything out of reach is answered NOT_FOUND). */
  reachesCompany(ctx: Caller, companyId: string): boolean {
    return reachesCompany(this.principal(ctx), companyId);
  }

  /** Whether the caller reaches a store, by its ID and company (a deleted store's record, say). */
  reaches(ctx: Caller, store: Pick<StoreEntity, 'id' | 'companyId'>): boolean {
    return reachesStore(this.principal(ctx), store);
  }

  /**
   * A store the caller reaches, from a catalog row it read itself (`store` finds only live stores,
   * through the request's cache): for a store being deleted, moved, migrated or rotated.
   */
  private reached<T extends StoreEntity>(ctx: Caller, store: T): T {
    if (!this.reaches(ctx, store)) throw new NotFoundError('Store');
    return store;
  }

  /** Opens (and so migrates) the database of a store row the caller read itself; see `reached`. */
  async openStore(ctx: Caller, store: StoreEntity): Promise<EntityManager> {
    return this.registry.manager(this.reached(ctx, store));
  }

  /** Closes this process's pool of a store now (its database is about to be dropped, or was migrated). */
  async closeStore(ctx: Caller, store: StoreEntity): Promise<void> {
    await this.registry.close(this.reached(ctx, store).id);
  }

  /** Stops handing out a store's pool, closing it once requests on it finish (the store moved). */
  retireStore(ctx: Caller, store: StoreEntity): void {
    this.registry.retire(this.reached(ctx, store).id);
  }

  /**
   * Creates a store's database, fully migrated, on `server` (MySQL: with its user at
   * `generation`), before the catalog points at it; the generation is recorded when asked.
   */
  async createStoreDatabase(ctx: Caller, store: StoreEntity, server: string, generation: number, record: boolean): Promise<void> {
    await this.registry.createDatabase(this.reached(ctx, store), server, generation, this.catalog.manager);
    if (record) await recordGeneration(this.catalog.manager, store.id, generation);
  }

  /** The catalog's record of a store's database password generation (0 without one). */
  async credentialGeneration(ctx: Caller, store: StoreEntity): Promise<number> {
    return credentialGeneration(this.catalog.manager, this.reached(ctx, store).id);
  }

  /** Moves a store's database user (MySQL) to the next password generation; returns it. */
  async rotateStoreCredentials(ctx: Caller, store: StoreEntity): Promise<number> {
    return this.registry.rotateCredentials(this.reached(ctx, store), this.catalog.manager);
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

  /**
   * After an erase in a store the caller reaches: on embedded SQLite, checkpoints the WAL so no
   * old page image of the erased rows remains (a no-op on MySQL).
   */
  async flushStore(ctx: TenancyContext, storeId: string): Promise<void> {
    await flushDeletedPages(await this.storeManager(ctx, storeId));
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
        const [fresh] = await this.loadStores([store.id]);
        if (!fresh || (fresh.server === store.server && fresh.databaseName === store.databaseName)) throw err;
        Object.assign(store, { server: fresh.server, databaseName: fresh.databaseName });
        return await this.registry.transaction(store, (em) => work(em, store));
      }
    } finally {
      // Whatever this request loaded from the store before the write is stale now.
      ctx.loaders.clearStore(storeId);
    }
  }

  /**
   * The stores an operation covers: the one named (NOT_FOUND when the caller does not reach it,
   * exactly like a missing one), or, when none is named, every store the caller reaches.
   */
  async storesInScope(ctx: TenancyContext, storeId?: string | null): Promise<StoreEntity[]> {
    return storeId ? [await this.store(ctx, storeId)] : this.reachableStores(ctx);
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

  /**
   * Batch lookup used by the request's storeById loader (no reach check: callers go through
   * `store`). Rows are kept across requests until the catalog version moves (catalog-cache.ts).
   */
  async storesByIds(ids: readonly string[]): Promise<(StoreEntity | null)[]> {
    return catalogCache(this.catalog).storesByIds(ids, async (missing) => {
      const rows = await this.loadStores(missing);
      return new Map(missing.map((id, i) => [id, rows[i]]));
    });
  }

  /**
   * The stores' rows as the catalog has them now. Each row carries its database user's password
   * generation (same statement), so a rotation is followed on the next request for the store.
   */
  private async loadStores(ids: readonly string[]): Promise<(StoreEntity | null)[]> {
    const rows = (await this.catalog
      .getRepository(StoreEntity)
      .createQueryBuilder('s')
      .leftJoinAndMapOne('s.credential', StoreCredentialEntity, 'cred', 'cred.storeId = s.id')
      // A deleted store is NOT_FOUND everywhere, exactly like one that never existed.
      .where({ id: In([...ids]), deletedAt: IsNull() })
      .getMany()) as (StoreEntity & StoreLocation & { credential?: StoreCredentialEntity | null })[];
    for (const r of rows) {
      r.credentialGeneration = r.credential?.generation ?? 0;
      delete r.credential;
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
