import type { DataSource, EntitySubscriberInterface, InsertEvent, QueryRunner, RemoveEvent, TransactionCommitEvent, TransactionRollbackEvent, UpdateEvent } from 'typeorm';

/** Rows kept per kind (keys by secret hash, stores by ID), least recently used dropped first. */
const MAX_ENTRIES = 5_000;
/**
 * How old a version reading may be for a store lookup that did not read it itself. An HTTP
 * request reads the version when its key is authenticated, just before its store lookups; work
 * without a key (schedules, workers, CLIs) reads it again after this long. Writes to a moved
 * store are refused by its lock (StoreMovedError) and retried on a fresh row whatever this says.
 */
const RECENT_MS = 1_000;
/** Whether the version row exists: without it (a catalog not yet migrated) nothing is kept. */
const NO_VERSION = -1;

/** A tiny least-recently-used map: a hit moves the entry to the back, the front goes first. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  has(k: K): boolean {
    return this.map.has(k);
  }
  get(k: K): V | undefined {
    if (!this.map.has(k)) return undefined;
    const v = this.map.get(k) as V;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  clear(): void {
    this.map.clear();
  }
}

/**
 * API-key and store rows of one catalog, kept across requests by one gateway instance.
 *
 * Whether they are still right is decided by the catalog version (CatalogVersionEntity), which
 * triggers move in the same transaction as any change to a key, a store or a store's credential
 * generation. `check` reads it (one statement; requests arriving while a reading is in flight
 * share the next one, started after they arrived), and when it moved everything kept is
 * dropped. A row loaded while the version moved is not kept (it may predate the change).
 * Callers get a copy of a kept row, never the row itself.
 */
export class CatalogCache {
  private version: number | null = null;
  /** Moves whenever kept rows are dropped: a load that began in an older generation is not kept. */
  private generation = 0;
  private checkedAt = -Infinity;
  private reading: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  /** This instance wrote a key, store or credential row since the last reading began. */
  private wrote = false;
  private readonly keys = new Lru<string, object | null>(MAX_ENTRIES);
  private readonly stores = new Lru<string, object | null>(MAX_ENTRIES);

  constructor(private readonly catalog: DataSource) {}

  /**
   * Reads the catalog version with a statement begun after this call (so a change committed
   * before it is seen), shared with every caller waiting at the same time.
   */
  check(): Promise<void> {
    if (!this.reading) return (this.reading = this.read());
    // A reading is under way, begun maybe before this call: wait for it, then share the next one.
    if (!this.next) {
      const after = () => {
        this.next = null;
        return this.check();
      };
      this.next = this.reading.then(after, after);
    }
    return this.next;
  }

  private async read(): Promise<void> {
    const started = Date.now();
    this.wrote = false;
    try {
      const rows: { version: number | string }[] = await this.catalog.query('SELECT version FROM catalog_version WHERE id = 1');
      const version = rows.length ? Number(rows[0].version) : NO_VERSION;
      if (version !== this.version || version === NO_VERSION) this.drop(version);
      this.checkedAt = Math.max(this.checkedAt, started);
    } finally {
      this.reading = null;
    }
  }

  /** Drops every kept row; for a change this instance makes and must not wait a request to see. */
  drop(version: number | null = null): void {
    this.version = version;
    this.generation++;
    this.keys.clear();
    this.stores.clear();
  }

  /** The key with this secret hash (null: none), kept or loaded. Reads the version first. */
  async apiKey<T extends object>(hash: string, load: () => Promise<T | null>): Promise<T | null> {
    await this.check();
    const [row] = await this.rows(this.keys, [hash], async () => new Map([[hash, await load()]]));
    return row;
  }

  /**
   * Stores by ID (null: none), kept or loaded in one call of `load` for the missing ones. Uses
   * the version read by the request's authentication when it is recent, else reads it.
   */
  async storesByIds<T extends object>(ids: readonly string[], load: (missing: string[]) => Promise<Map<string, T | null>>): Promise<(T | null)[]> {
    if (this.wrote || Date.now() - this.checkedAt > RECENT_MS) await this.check();
    return this.rows(this.stores, ids, load);
  }

  private async rows<T extends object>(lru: Lru<string, object | null>, ids: readonly string[], load: (missing: string[]) => Promise<Map<string, T | null>>): Promise<(T | null)[]> {
    const keep = this.version !== null && this.version !== NO_VERSION;
    // Hits are taken now: a drop while the misses load must not turn them into misses.
    const found = new Map<string, T | null>();
    if (keep) for (const id of ids) if (lru.has(id)) found.set(id, lru.get(id) as T | null);
    const missing = [...new Set(ids.filter((id) => !found.has(id)))];
    const generation = this.generation;
    const loaded = missing.length ? await load(missing) : new Map<string, T | null>();
    for (const id of missing) {
      const row = loaded.get(id) ?? null;
      found.set(id, row);
      if (keep && generation === this.generation) lru.set(id, row);
    }
    return ids.map((id) => {
      const row = found.get(id) ?? null;
      return row && copy(row);
    });
  }

  /** Called for every write to a watched table through this catalog's entity manager. */
  noteWrite(): void {
    this.wrote = true;
  }

  /**
   * Updates a kept key row in place (its lastUsedAt after a refresh), so the refresh is not
   * repeated on every request. No-op when the row is not kept.
   */
  touchKey(hash: string, patch: object): void {
    const row = this.keys.get(hash);
    if (row) Object.assign(row, patch);
  }
}

/** A copy a request may change (a moved store's location, say) without touching the kept row. */
function copy<T extends object>(row: T): T {
  const out = Object.create(Object.getPrototypeOf(row)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(row)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as T;
}

const caches = new WeakMap<DataSource, CatalogCache>();

/** The tables whose rows are kept, or decide kept rows (a store's credential generation). */
const WATCHED = new Set(['api_keys', 'stores', 'store_credentials']);

/**
 * Notes this instance's own writes to kept tables, so its next store lookup reads the version
 * again instead of trusting a reading from before the write (read-your-writes within 1 s, for
 * work without a key). Other instances learn of the write from the version only.
 */
class WriteWatch implements EntitySubscriberInterface {
  /** Transactions with a watched write, noted again at their commit (a reading in between saw the old version). */
  private readonly open = new WeakSet<QueryRunner>();
  constructor(private readonly cache: CatalogCache) {}
  private note(event: { metadata?: { tableName: string }; queryRunner?: QueryRunner }): void {
    if (!event.metadata || !WATCHED.has(event.metadata.tableName)) return;
    this.cache.noteWrite();
    if (event.queryRunner?.isTransactionActive) this.open.add(event.queryRunner);
  }
  afterInsert(event: InsertEvent<unknown>): void {
    this.note(event);
  }
  afterUpdate(event: UpdateEvent<unknown>): void {
    // A key's lastUsedAt refresh alone (an update's values are its `entity`) changes nothing kept.
    const values = event.entity && typeof event.entity === 'object' ? Object.keys(event.entity) : [];
    if (event.metadata?.tableName === 'api_keys' && values.length === 1 && values[0] === 'lastUsedAt') return;
    this.note(event);
  }
  afterRemove(event: RemoveEvent<unknown>): void {
    this.note(event);
  }
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!this.open.has(event.queryRunner)) return;
    if (!event.queryRunner.isTransactionActive) this.open.delete(event.queryRunner); // else a savepoint: the outer commit comes
    this.cache.noteWrite();
  }
  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!this.open.has(event.queryRunner)) return;
    if (!event.queryRunner.isTransactionActive) this.open.delete(event.queryRunner);
    // On embedded SQLite (one connection) a reading during the transaction saw its uncommitted
    // rows and version: nothing kept since may stand.
    this.cache.drop();
  }
}

/** The cache of this catalog connection: one per gateway instance (each opens its own catalog). */
export function catalogCache(catalog: DataSource): CatalogCache {
  let cache = caches.get(catalog);
  if (!cache) {
    caches.set(catalog, (cache = new CatalogCache(catalog)));
    catalog.subscribers.push(new WriteWatch(cache));
  }
  return cache;
}
