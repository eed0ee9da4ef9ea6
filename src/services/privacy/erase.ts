import { EntityManager, In } from 'typeorm';
import { CustomerEntity, OrderEntity, StoreLockEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import { StoreMovedError } from '../../errors';
import { Footprint } from './footprint';

export interface EraseCounts {
  customersDeleted: number;
  ordersAnonymized: number;
  visitorsDeleted: number;
  eventsDeleted: number;
}

export const ZERO_COUNTS: EraseCounts = { customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0 };

/** Rows per statement, so a person with a long history never builds one enormous statement. */
const CHUNK = 500;

async function inChunks(ids: string[], work: (chunk: string[]) => Promise<number>): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += CHUNK) n += await work(ids.slice(i, i + CHUNK));
  return n;
}

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

/** Whether a store's DataSource is on a Galera node (asked once per DataSource). */
const galera = new WeakMap<object, Promise<boolean>>();
async function isGalera(em: EntityManager): Promise<boolean> {
  let known = galera.get(em.connection);
  if (!known) {
    known = em.connection
      .query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
      .then((rows: { Value?: string }[]) => rows[0]?.Value === 'ON')
      .catch(() => {
        galera.delete(em.connection);
        throw new Error('could not tell whether the store server is a Galera node');
      });
    galera.set(em.connection, known);
  }
  return known;
}

/**
 * Erases a footprint inside the caller's transaction: the visit events and visitors, the
 * personal fields of the orders (lines, totals, currency and times stay), the customers with
 * their CRM attributes.
 */
export async function eraseFootprint(em: EntityManager, f: Footprint): Promise<EraseCounts> {
  const visitorIds = f.visitors.map((v) => v.id);
  const eventsDeleted = await inChunks(visitorIds, async (ids) => (await em.delete(VisitEventEntity, { visitorId: In(ids) })).affected ?? 0);
  const visitorsDeleted = await inChunks(visitorIds, async (ids) => (await em.delete(VisitorEntity, { id: In(ids) })).affected ?? 0);
  const ordersAnonymized = await inChunks(
    f.orders.map((o) => o.id),
    async (ids) => (await em.update(OrderEntity, { id: In(ids) }, { customerId: null, email: null, visitorId: null, anonymized: true })).affected ?? 0,
  );
  const customersDeleted = await inChunks(f.customers.map((c) => c.id), async (ids) => (await em.delete(CustomerEntity, { id: In(ids) })).affected ?? 0);
  return { customersDeleted, ordersAnonymized, visitorsDeleted, eventsDeleted };
}

/** SQLite keeps old page images in the WAL until a checkpoint; after an erase, none may remain. */
export async function flushDeletedPages(em: EntityManager): Promise<void> {
  if (em.connection.driver.options.type === 'better-sqlite3') await em.query('PRAGMA wal_checkpoint(TRUNCATE)');
}
