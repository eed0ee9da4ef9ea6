import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logging';
import type { StoreEntity } from '../entities/catalog';
import { createStoreDatabase, openStoreDataSource } from './data-source-factory';
import { watchPool, type PoolUsage } from './pool-usage';
import type { QueryObserver } from './query-observer';
import { type CatalogQueries, rotateStoreCredentials } from './store-credentials';

/**
 * What the registry needs of a store's catalog row: which database, on which server, and (MySQL)
 * the generation of its user's password when the row was read with it (Tenancy.storesByIds).
 */
export type StoreLocation = Pick<StoreEntity, 'id' | 'databaseName' | 'server'> & { credentialGeneration?: number };

const where = (store: StoreLocation) => `${store.server}/${store.databaseName}`;

interface OpenStore {
  /** Server and database the pool points at: a store moved since is reopened, not served stale. */
  location: string;
  /** The password generation the pool connects with (MySQL); unknown until looked up. */
  generation?: number;
  dataSource: Promise<DataSource>;
  /** Set once the DataSource is open, for synchronous inspection (metrics, eviction). */
  ready?: DataSource;
  /** Its pool's connections in use and requests waiting, counted from when it opened. */
  usage?: PoolUsage;
  /** SQLite has one connection per file: its transactions must not interleave. */
  writeLock: Mutex;
  /** When a request last asked for it (performance.now()). */
  usedAt: number;
}

/** An evicted store untouched this long, with no connection checked out, is taken to be idle. */
const IDLE_MS = 1000;

/**
 * The one place that maps a store to its DataSource. It memoizes the pending open (a burst
 * of first requests opens one pool), keeps at most `maxOpenStores` open, closes the least
 * recently used first, and gives each a small pool. It never falls back to another store.
 */
export class StoreRegistry {
  // A Map iterates in insertion order: re-inserting on use keeps the LRU at the front.
  private readonly open = new Map<string, OpenStore>();
  private readonly evicted = new Map<OpenStore, NodeJS.Timeout>();

  /** The catalog's record of a store's password generation (set by Tenancy). */
  generationOf: (storeId: string) => Promise<number> = async () => 0;

  /** Told of every store DataSource opened (the pgw_store_database_opens_total metric). */
  onOpen: () => void = () => undefined;

  constructor(
    private readonly config: Config,
    private readonly observer: QueryObserver,
    private readonly log: Logger,
    /** Grace before an evicted store's pool is closed, so requests still using it finish. */
    private readonly evictionGraceMs = 10_000,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Opens so far (a metric: a high rate means MAX_OPEN_STORES is too small for the traffic). */
  opened = 0;

  /** Requests waiting for a pooled MySQL connection, over every open store. */
  poolWaiting(): number {
    let n = 0;
    for (const e of this.open.values()) n += e.usage?.waiting ?? 0;
    return n;
  }

  /**
   * Creates a store's database, fully migrated, on `server` (MySQL: with its user at
   * `generation`; the administrator of the default server is the catalog's connection).
   */
  async createDatabase(store: StoreLocation, server: string, generation: number, catalog: CatalogQueries): Promise<void> {
    await createStoreDatabase(this.config, catalog, store.databaseName, this.observer.loggerFor(`store:${store.id}`, this.log), server, generation);
  }

  /** Moves a store's database user to the next password generation and records it; returns it. */
  async rotateCredentials(store: StoreLocation, catalog: CatalogQueries): Promise<number> {
    return rotateStoreCredentials(this.config, catalog, store);
  }

  async manager(store: StoreLocation): Promise<EntityManager> {
    return (await this.entry(store).dataSource).manager;
  }

  /**
   * Runs `work` in one transaction on the store's database and hands it the transactional
   * manager. Everything the unit of work writes goes through that manager, or nothing does.
   */
  async transaction<T>(store: StoreLocation, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const entry = this.entry(store);
    const ds = await entry.dataSource;
    if (this.config.engine === 'sqlite') {
      return entry.writeLock.runExclusive(() => ds.transaction(work));
    }
    // InnoDB may pick this transaction as a deadlock victim (two batches upserting overlapping
    // rows), and on a Galera cluster a transaction that conflicts with one committed through
    // another node fails certification the same way (ER_LOCK_DEADLOCK, at any statement or at
    // COMMIT): it was rolled back whole, so running the unit of work again is safe. Every unit
    // of work starts over from its reads (a forget finds the footprint again, ingestion checks
    // the suppression list again). The backoff grows, with jitter, so contenders spread out.
    for (let attempt = 1; ; attempt++) {
      try {
        return await ds.transaction(work);
      } catch (err) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(400, 10 * 2 ** attempt) * (0.5 + Math.random())));
      }
    }
  }

  private entry(store: StoreLocation): OpenStore {
    const existing = this.open.get(store.id);
    const wanted = this.config.engine === 'mysql' ? store.credentialGeneration : undefined;
    // A row read without its generation (e.g. a list of stores) keeps whatever pool is open, and
    // so does one read just before a rotation was recorded: generations only move forward.
    const sameCredentials = wanted === undefined || existing?.generation === undefined || wanted <= existing.generation;
    if (existing && existing.location === where(store) && sameCredentials) {
      existing.usedAt = performance.now();
      this.open.delete(store.id);
      this.open.set(store.id, existing);
      return existing;
    }
    if (existing) {
      // The catalog says the store lives elsewhere now (moved, perhaps by another instance), or
      // its user's password was rotated: requests already on the old pool finish there, new
      // ones go to a new pool.
      this.open.delete(store.id);
      this.closeLater(existing);
    }
    const logger = this.observer.loggerFor(`store:${store.id}`, this.log);
    this.opened++;
    this.onOpen();
    const dataSource = Promise.resolve()
      .then(async () => {
        const generation = this.config.engine !== 'mysql' ? 0 : (wanted ?? (await this.generationOf(store.id)));
        entry.generation = generation;
        return openStoreDataSource(this.config, store.databaseName, logger, store.server, generation);
      })
      .then((ds) => {
        entry.ready = ds;
        entry.usage = watchPool(ds);
        return ds;
      })
      .catch((err: unknown) => {
        // A failed open must not stay memoized: the next request tries again.
        if (this.open.get(store.id) === entry) this.open.delete(store.id);
        throw err;
      });
    const entry: OpenStore = { location: where(store), dataSource, writeLock: new Mutex(), usedAt: performance.now() };
    this.open.set(store.id, entry);
    this.evictBeyondCap();
    return entry;
  }

  private evictBeyondCap(): void {
    while (this.open.size > this.config.maxOpenStores) {
      const [id, victim] = this.open.entries().next().value as [string, OpenStore];
      this.open.delete(id);
      this.closeLater(victim);
    }
  }

  private closeLater(victim: OpenStore): void {
    const timer = setTimeout(() => {
      this.evicted.delete(victim);
      void this.destroy(victim);
    }, this.evictionGraceMs);
    timer.unref();
    this.evicted.set(victim, timer);
    // The grace must not let closed-in-all-but-name pools pile up when stores churn (far more
    // stores in use than MAX_OPEN_STORES): beyond as many again, the longest-evicted idle ones
    // close now. Ones in use (a transaction, a checked-out connection, or asked for within the
    // last second by a request that may come back for more) keep their grace.
    let excess = this.evicted.size - this.config.maxOpenStores;
    for (const [old, oldTimer] of this.evicted) {
      if (excess <= 0) break;
      if (busy(old)) continue;
      clearTimeout(oldTimer);
      this.evicted.delete(old);
      void this.destroy(old);
      excess--;
    }
  }

  /** Store DataSources open or waiting out their eviction grace (what holds memory and connections). */
  get heldCount(): number {
    return this.open.size + this.evicted.size;
  }

  private async destroy(entry: OpenStore): Promise<void> {
    try {
      const ds = await entry.dataSource.catch(() => null);
      if (ds?.isInitialized) await entry.writeLock.runExclusive(() => ds.destroy());
    } catch (err) {
      this.log.warn({ err: String(err) }, 'closing a store database failed');
    }
  }

  /**
   * Stops handing out a store's pool and closes it after the eviction grace, so requests still
   * using it finish (a store that moved: the next request opens it where it lives now).
   */
  retire(storeId: string): void {
    const entry = this.open.get(storeId);
    if (!entry) return;
    this.open.delete(storeId);
    this.closeLater(entry);
  }

  /** Forgets a store's open pool (after its database is dropped or moved). */
  async close(storeId: string): Promise<void> {
    const entry = this.open.get(storeId);
    if (!entry) return;
    this.open.delete(storeId);
    await this.destroy(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.open.values()];
    this.open.clear();
    for (const [victim, timer] of this.evicted) {
      clearTimeout(timer);
      entries.push(victim);
    }
    this.evicted.clear();
    await Promise.all(entries.map((e) => this.destroy(e)));
  }
}

/** Whether an evicted store is still in use: a transaction holds its lock, or a pooled connection is checked out. */
function busy(entry: OpenStore): boolean {
  if (entry.writeLock.isLocked() || performance.now() - entry.usedAt < IDLE_MS) return true;
  return (entry.usage?.checkedOut ?? 0) > 0;
}

/** Enough for a busy store on a cluster (certification conflicts); then SERVICE_UNAVAILABLE. */
export const DEADLOCK_ATTEMPTS = 10;

export function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  return e?.code === 'ER_LOCK_DEADLOCK' || e?.driverError?.code === 'ER_LOCK_DEADLOCK' || e?.errno === 1213 || e?.driverError?.errno === 1213;
}
