import type { DataSource } from 'typeorm';

/**
 * Connections of one MySQL pool in use and requests waiting for one, counted here from the
 * pool's public interface (its `acquire`/`release` events and `getConnection`), not read from
 * mysql2's private fields. SQLite has no pool: both stay 0.
 */
export interface PoolUsage {
  /** Connections handed out and not yet given back. */
  readonly checkedOut: number;
  /** `getConnection` calls not yet answered (queued for a free connection, or connecting). */
  readonly waiting: number;
}

interface MysqlPool {
  on(event: 'acquire' | 'release', listener: () => void): unknown;
  getConnection(cb: (err: unknown, connection: unknown) => void): void;
}

const IDLE: PoolUsage = { checkedOut: 0, waiting: 0 };

/** Starts counting on an initialized DataSource (once per DataSource). */
export function watchPool(ds: DataSource): PoolUsage {
  const pool = (ds.driver as { pool?: MysqlPool }).pool;
  if (!pool || typeof pool.on !== 'function') return IDLE;
  const usage = { checkedOut: 0, waiting: 0 };
  // A connection handed from one user straight to a queued one raises neither event: it stays out.
  pool.on('acquire', () => usage.checkedOut++);
  pool.on('release', () => (usage.checkedOut = Math.max(0, usage.checkedOut - 1)));
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (cb) => {
    usage.waiting++;
    getConnection((err, connection) => {
      usage.waiting--;
      cb(err, connection);
    });
  };
  return usage;
}
