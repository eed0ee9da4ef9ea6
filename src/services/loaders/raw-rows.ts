import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';
import type { Engine } from '../../config';

/**
 * Hot-path statements written once as SQL text and read back into TypeORM entities, so a
 * request does not pay for the query builder (building the SQL, then the hydrator) on every
 * loader batch. The entities stay the model: columns and conversions come from their metadata,
 * and `hydrate` converts each value exactly as TypeORM does (driver types, transformers).
 */
export interface Projection<E> {
  /** `alias.column AS "prefix" + property, ...` for every column of the entity. */
  columns: string;
  /** `NULL AS "prefix" + property, ...`: the same columns, absent (for a UNION branch). */
  nulls: string;
  /** The aliases ("prefix" + property), in the order of `columns`. */
  names: string[];
  /** The entity from a raw row, or null when the row carries none (a LEFT JOIN's miss). */
  hydrate(row: Record<string, unknown>): E | null;
  /** A value as the driver stores it in this property's column (e.g. a Date for SQLite). */
  persist(property: keyof E & string, value: unknown): unknown;
}

const cache = new WeakMap<DataSource, Map<string, unknown>>();

/** A value built once per data source (SQL text depends on the driver's quoting). */
export function once<T>(em: EntityManager, key: string, build: () => T): T {
  const ds = em.connection;
  let m = cache.get(ds);
  if (!m) {
    m = new Map();
    cache.set(ds, m);
  }
  let v = m.get(key) as T | undefined;
  if (v === undefined) {
    // Keys with a list length in them are bounded by the page and chunk limits; still, never grow without bound.
    if (m.size > 2000) m.clear();
    v = build();
    m.set(key, v);
  }
  return v;
}

export const quote = (em: EntityManager) => (name: string) => em.connection.driver.escape(name);

export function projection<E>(em: EntityManager, entity: new () => E, alias: string, prefix: string): Projection<E> {
  return once(em, `projection|${entity.name}|${alias}|${prefix}`, () => {
    const ds = em.connection;
    const esc = quote(em);
    const meta = ds.getMetadata(entity);
    const cols = meta.columns.map((c) => ({ prop: c.propertyName, as: `${prefix}${c.propertyName}`, meta: c }));
    const byProp = new Map<string, ColumnMetadata>(cols.map((c) => [c.prop, c.meta]));
    const primary = `${prefix}${meta.primaryColumns[0].propertyName}`;
    return {
      columns: cols.map((c) => `${alias}.${esc(c.meta.databaseName)} AS ${esc(c.as)}`).join(', '),
      nulls: cols.map((c) => `NULL AS ${esc(c.as)}`).join(', '),
      names: cols.map((c) => c.as),
      hydrate(row: Record<string, unknown>): E | null {
        if (row[primary] === null || row[primary] === undefined) return null;
        const e = new entity() as Record<string, unknown>;
        for (const c of cols) e[c.prop] = ds.driver.prepareHydratedValue(row[c.as], c.meta);
        return e as E;
      },
      persist(property: string, value: unknown): unknown {
        return ds.driver.preparePersistentValue(value, byProp.get(property)!);
      },
    };
  });
}

/** `?, ?, ?` for n values. */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** `xs` in consecutive slices of at most `size` (one multi-row statement each). */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Which SQL dialect a store's database speaks. */
export const engineOf = (em: EntityManager): Engine => (em.connection.driver.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql');

/** The callback side of a mysql2 pool connection: what `readRows` uses of it. */
interface PooledConnection {
  query(options: string | { sql: string; timeout: number }, values: unknown[], cb: (err: Error | null, rows: unknown) => void): void;
  release(): void;
  listeners(event: 'error'): unknown[];
  on(event: 'error', listener: (err: Error) => void): void;
}

/**
 * A hot-path read, `em.query(sql, params)` without TypeORM's query runner around it on MySQL:
 * no runner per statement, no Before/AfterQuery broadcast, no promise wrapper around the pooled
 * connection (about a tenth of the gateway's CPU per profile read, bench/PROFILE.md round two).
 * Everything the runner does that the gateway relies on is kept: the statement is counted by the
 * data source's logger (QueryObserver), the query timeout and the slow/failed statement lines
 * apply, a connection gets TypeORM's error listener, and a failure is a QueryFailedError with the
 * driver's error inside. In a transaction, on SQLite or a replication pool: `em.query` as before.
 */
export function readRows<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const ds = em.connection;
  const driver = ds.driver;
  if (em.queryRunner || !(driver instanceof MysqlDriver) || !driver.pool || driver.poolCluster) return em.query(sql, params);
  const logger = ds.logger;
  const { enableQueryTimeout, maxQueryExecutionTime } = driver.options;
  const statement = enableQueryTimeout && maxQueryExecutionTime ? { sql, timeout: maxQueryExecutionTime } : sql;
  return new Promise<T[]>((resolve, reject) => {
    driver.pool.getConnection((connectErr: Error | null, conn: PooledConnection) => {
      if (connectErr) {
        reject(connectErr);
        return;
      }
      // As TypeORM's driver does for every connection it hands out: an error event on an idle
      // connection must not go unhandled.
      if (conn.listeners('error').length === 0) conn.on('error', (error) => logger.log('warn', `MySQL connection raised an error. ${error}`));
      logger.logQuery(sql, params);
      const started = Date.now();
      conn.query(statement, params, (err, rows) => {
        conn.release();
        const ms = Date.now() - started;
        if (maxQueryExecutionTime && ms > maxQueryExecutionTime) logger.logQuerySlow(ms, sql, params);
        if (err) {
          logger.logQueryError(err, sql, params);
          reject(new QueryFailedError(sql, params, err));
        } else {
          resolve(rows as T[]);
        }
      });
    });
  });
}
