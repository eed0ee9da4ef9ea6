import type { Connection } from 'mysql2/promise';
import type { Config } from '../../config';
import { StoreEntity } from '../../entities/catalog';
import { BadUserInputError, NotFoundError } from '../../errors';
import type { Logger } from '../../logging';
import { assertSafeIdentifier } from '../../tenancy/data-source-factory';
import { dropStoreUser } from '../../tenancy/store-credentials';
import { adminConnection, storeServer, storeServerNames, withAdmin } from '../../tenancy/store-servers';
import type { Tenancy } from '../../tenancy/tenancy';
import type { AuditService } from '../audit/audit.service';
import { createLoaders } from '../loaders/create-loaders';
import type { ForgetContext } from '../privacy/forget.service';
import type { ReplayResult, ReplayService } from '../privacy/replay.service';

/** Tables a store migration creates for bookkeeping; the target gets its own. */
const NOT_COPIED = new Set(['schema_migrations', 'store_locks']);

/** Rows after a key position, key columns `pk` in order: a > ? OR (a = ? AND (b > ? OR (b = ? AND c > ?))). */
const keysetAfter = (pk: string[]): string => {
  const [head, ...rest] = pk.map(q);
  return rest.length === 0 ? `${head} > ?` : `(${head} > ? OR (${head} = ? AND ${keysetAfter(pk.slice(1))}))`;
};
/** The parameters of keysetAfter for the last row's key values. */
const keysetParams = (values: unknown[]): unknown[] => (values.length === 1 ? values : [values[0], values[0], ...keysetParams(values.slice(1))]);

export type MovePhase = 'preparing' | 'locked' | 'copying' | 'verified' | 'switched' | 'replayed' | 'dropped';

export interface MoveOptions {
  /** Rows per SELECT and multi-row INSERT. */
  chunkRows?: number;
  /**
   * How long the old copy stays after the switch, so requests already running on it (in this or
   * another gateway instance) finish before it is dropped.
   */
  dropAfterMs?: number;
  /** Progress: each phase as it starts (the tests issue requests in the middle of a move). */
  onPhase?: (phase: MovePhase, detail?: { table?: string; rows?: number }) => void | Promise<void>;
}

export interface MoveResult {
  storeId: string;
  from: string;
  to: string;
  databaseName: string;
  /** Rows copied, per table (verified equal on both servers before the switch). */
  rows: Record<string, number>;
  /** Forget requests made since the move started, applied again on the new copy. */
  replay: ReplayResult;
  ms: number;
}

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * Moves a store's database from one MySQL server to another while the store keeps serving:
 *
 * 1. create the database and its user on the target and migrate it (the store migrations);
 * 2. on the source, take the store's subject lock exclusively (ingestion, forget, replay and
 *    the e-mail erase all take it first, so writes wait; reads go on), then copy every table in
 *    primary-key chunks from one consistent snapshot and compare the row counts;
 * 3. point the catalog at the target, then delete the lock row on the old copy and commit:
 *    writers that were waiting find no lock, and Tenancy runs them again on the new copy;
 * 4. replay the forget ledger since the move started on the new copy (belt and braces: a forget
 *    that reached the old copy after the snapshot, through an instance with a stale pool, is
 *    erased again), wait `dropAfterMs`, replay once more, drop the old database and its user.
 *
 * A failure before the switch drops the half-made target and leaves the store where it was.
 */
export class StoreMoveService {
  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
    private readonly replay: ReplayService,
    private readonly audit: AuditService,
    private readonly log: Logger,
  ) {}

  async move(ctx: ForgetContext & { requestId?: string }, storeId: string, to: string, options: MoveOptions = {}): Promise<MoveResult> {
    const started = Date.now();
    const since = new Date(started - 1000); // a forget in the same second as the start is replayed too
    const chunkRows = options.chunkRows ?? 1000;
    const phase = async (p: MovePhase, detail?: { table?: string; rows?: number }) => {
      this.log.info({ storeId, phase: p, ...detail }, 'store move');
      await options.onPhase?.(p, detail);
    };
    if (this.config.engine !== 'mysql') throw new BadUserInputError('Stores move between MySQL servers; the embedded engine has one');
    await this.tenancy.store(ctx, storeId); // the caller's reach, as everywhere
    // Where it lives now, read afresh (not the request's cached row).
    const catalog = this.tenancy.catalogManager(ctx);
    const store = await catalog.getRepository(StoreEntity).findOneBy({ id: storeId });
    if (!store) throw new NotFoundError('Store');
    const from = store.server;
    if (!storeServerNames(this.config).includes(to)) throw new BadUserInputError(`Unknown server "${to}"; configured: ${storeServerNames(this.config).join(', ')}`);
    if (from === to) throw new BadUserInputError(`The store already lives on "${to}"`);
    const [a, b] = [storeServer(this.config, from), storeServer(this.config, to)];
    if (a.host === b.host && a.port === b.port) throw new BadUserInputError(`"${from}" and "${to}" are the same server`);
    const db = store.databaseName;
    assertSafeIdentifier(db);

    await phase('preparing');
    // The source first brought up to date (opening it migrates it), so both have one schema.
    await this.tenancy.openStore(ctx, store);
    await withAdmin(this.config, to, async (c) => {
      const [rows] = await c.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]);
      if ((rows as unknown[]).length) {
        throw new BadUserInputError(`Database ${db} already exists on "${to}" and the catalog does not point there: left over from an interrupted move? Drop it first.`);
      }
    });
    // The same user and password on the target: the store's generation does not change with a move.
    await this.tenancy.createStoreDatabase(ctx, store, to, await this.tenancy.credentialGeneration(ctx, store), false);

    const source = await adminConnection(this.config, from);
    const target = await adminConnection(this.config, to);
    let switched = false;
    const rows: Record<string, number> = {};
    try {
      await source.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await source.query('START TRANSACTION');
      // Waits for writers already holding the lock; later ones wait for this transaction.
      const [lock] = await source.query(`SELECT name FROM ${q(db)}.store_locks WHERE name = 'subjects' FOR UPDATE`);
      if ((lock as unknown[]).length !== 1) throw new Error('the source store has no subject lock row (is another move running?)');
      await phase('locked');
      await target.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
      for (const table of await this.tables(target, db)) {
        await phase('copying', { table });
        rows[table] = await this.copyTable(source, target, db, table, chunkRows);
      }
      // Verify: every table holds as many rows on the target as in the source's snapshot.
      for (const table of Object.keys(rows)) {
        const [[s], [t]] = await Promise.all([count(source, db, table), count(target, db, table)]);
        if (s !== rows[table] || t !== rows[table]) throw new Error(`row counts differ for ${table}: source ${s}, copied ${rows[table]}, target ${t}`);
      }
      await phase('verified');
      const result = await catalog.getRepository(StoreEntity).update({ id: store.id, server: from }, { server: to });
      if (result.affected !== 1) throw new Error('the catalog entry changed during the move');
      switched = true;
      // The old copy gives its lock up for good: waiting writers re-run on the new copy.
      await source.query(`DELETE FROM ${q(db)}.store_locks WHERE name = 'subjects'`);
      await source.query('COMMIT');
    } catch (err) {
      await source.query('ROLLBACK').catch(() => undefined);
      if (!switched) {
        await this.dropDatabase(to, db).catch((e: unknown) => this.log.warn({ storeId, err: String(e) }, 'could not drop the half-made copy'));
      }
      throw err;
    } finally {
      await Promise.all([source.end().catch(() => undefined), target.end().catch(() => undefined)]);
    }
    await phase('switched');
    // This instance's pool to the old copy: closed once requests on it have finished. (Other
    // instances notice the new catalog row on their next request for the store.)
    this.tenancy.retireStore(ctx, store);

    // A context of its own: the caller's request may have cached the store's old row.
    const fresh: ForgetContext = { ...ctx, loaders: createLoaders(this.tenancy, { principal: ctx.principal }) };
    const replay = await this.replay.replay(fresh, since, store.id);
    await phase('replayed');
    await new Promise((resolve) => setTimeout(resolve, options.dropAfterMs ?? 5000));
    const again = await this.replay.replay({ ...fresh, loaders: createLoaders(this.tenancy, { principal: ctx.principal }) }, since, store.id);
    for (const k of Object.keys(replay) as (keyof ReplayResult)[]) if (k !== 'replayed') replay[k] += again[k];
    await this.dropDatabase(from, db);
    await phase('dropped');
    await this.audit.record(ctx, [{ operation: 'moveStore', storeId: store.id, companyId: store.companyId, records: Object.values(rows).reduce((n, r) => n + r, 0) }]);
    return { storeId: store.id, from, to, databaseName: db, rows, replay, ms: Date.now() - started };
  }

  /** The store's data tables, as the migrations created them on the target. */
  private async tables(target: Connection, db: string): Promise<string[]> {
    const [rows] = await target.query(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
      [db],
    );
    return (rows as { t: string }[]).map((r) => r.t).filter((t) => !NOT_COPIED.has(t)).sort();
  }

  /** Copies one table in primary-key order, `chunk` rows per statement; returns the rows copied. */
  private async copyTable(source: Connection, target: Connection, db: string, table: string, chunk: number): Promise<number> {
    const [colRows] = await target.query('SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
    const columns = (colRows as { c: string }[]).map((r) => r.c);
    const [pkRows] = await target.query(
      "SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
      [db, table],
    );
    const pk = (pkRows as { c: string }[]).map((r) => r.c);
    const select = `SELECT ${columns.map(q).join(', ')} FROM ${q(db)}.${q(table)}`;
    const insert = `INSERT INTO ${q(db)}.${q(table)} (${columns.map(q).join(', ')}) VALUES ?`;
    let copied = 0;
    let after: unknown[] | undefined = undefined;
    for (let offset = 0; ; offset += chunk) {
      // Keyset paging on the primary key (one column or several, as storeStats' rollups have:
      // a > ? OR (a = ? AND (b > ? OR …)), ranges the optimizer reads from the key); offset
      // paging only for a table without one (no store table).
      const [batch] =
        pk.length >= 1
          ? await source.query(`${select}${after === undefined ? '' : ` WHERE ${keysetAfter(pk)}`} ORDER BY ${pk.map(q).join(', ')} LIMIT ${chunk}`, after === undefined ? [] : keysetParams(after))
          : await source.query(`${select} ORDER BY ${columns.map(q).join(', ')} LIMIT ${chunk} OFFSET ${offset}`);
      const list = batch as Record<string, unknown>[];
      if (list.length === 0) break;
      await target.query(insert, [list.map((r) => columns.map((c) => r[c]))]);
      copied += list.length;
      if (pk.length >= 1) after = pk.map((c) => list[list.length - 1][c]);
      if (list.length < chunk) break;
    }
    return copied;
  }

  private async dropDatabase(server: string, db: string): Promise<void> {
    assertSafeIdentifier(db);
    await withAdmin(this.config, server, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${q(db)}`);
      await dropStoreUser(async (sql, params) => (await c.query(sql, params))[0], db);
    });
  }
}

async function count(c: Connection, db: string, table: string): Promise<[number]> {
  const [rows] = await c.query(`SELECT COUNT(*) AS n FROM ${q(db)}.${q(table)}`);
  return [Number((rows as { n: string | number }[])[0].n)];
}
