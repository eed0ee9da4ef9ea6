import type { EntityManager } from 'typeorm';
import { StoreLockEntity } from '../entities/store';
import { StoreMovedError } from '../errors';

/*
 * Locks and flushes on a store's database that every writer shares: ingestion, forget, replay,
 * retention, store settings and the Shopify worker. They run inside the caller's store
 * transaction (Tenancy.storeTransaction).
 */

/**
 * Takes the store's subject lock exclusively (MySQL): concurrent ingestion holds it in share
 * mode, so a forget waits for batches already writing and later batches see the suppression.
 */
export async function lockSubjects(em: EntityManager, mode: 'share' | 'exclusive'): Promise<void> {
  if (em.connection.driver.options.type === 'better-sqlite3') return; // one writer per file already
  if (await isGalera(em)) {
    // Row locks are local to a Galera node: a share lock here and an exclusive one on another
    // node never meet. A write to the lock row does: two such transactions that overlap on
    // different nodes conflict at certification, one commits and the other fails with
    // ER_LOCK_DEADLOCK and is run again whole (StoreRegistry.transaction) after the winner's
    // writes, suppression included, are applied on its node. So ingestion and forget are
    // ordered cluster-wide, at the price of one batch at a time per store on the cluster.
    const res = (await em.query('UPDATE `store_locks` SET `generation` = `generation` + 1 WHERE `name` = ?', ['subjects'])) as { affectedRows?: number };
    if (!res.affectedRows) throw new StoreMovedError();
    return;
  }
  const lock = await em
    .createQueryBuilder(StoreLockEntity, 'l')
    .setLock(mode === 'share' ? 'pessimistic_read' : 'pessimistic_write')
    .where('l.name = :name', { name: 'subjects' })
    .getOne();
  // A store move holds this lock while it copies, and deletes it from the old copy when the
  // catalog points at the new one: whoever waited must write there instead (Tenancy retries).
  if (!lock) throw new StoreMovedError();
}

/**
 * Whether a store's database is a Galera node, where a store's writers are already ordered
 * cluster-wide by lockSubjects (and locking reads that take gap locks stall the cluster's appliers).
 */
export async function isGaleraStore(em: EntityManager): Promise<boolean> {
  return em.connection.driver.options.type !== 'better-sqlite3' && isGalera(em);
}

/**
 * Whether a store's DataSource is on a Galera node, asked once per DataSource and remembered.
 * Asked on the transaction's own connection (`em`), never through the DataSource: the caller
 * holds one of the pool's connections, and a second one may never come (every connection held
 * by a transaction waiting for this answer: the hang of issue 17, test/e2e/store-pool.e2e.test.ts).
 * Concurrent first callers each ask on their own connection; nothing waits on another's answer.
 */
const galera = new WeakMap<object, boolean>();
async function isGalera(em: EntityManager): Promise<boolean> {
  const known = galera.get(em.connection);
  if (known !== undefined) return known;
  const rows = (await em.query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")) as { Value?: string }[];
  const on = rows[0]?.Value === 'ON';
  galera.set(em.connection, on);
  return on;
}

/** SQLite keeps old page images in the WAL until a checkpoint; after an erase, none may remain. */
export async function flushDeletedPages(em: EntityManager): Promise<void> {
  if (em.connection.driver.options.type === 'better-sqlite3') await em.query('PRAGMA wal_checkpoint(TRUNCATE)');
}
