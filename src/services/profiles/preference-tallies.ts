import type { EntityManager } from 'typeorm';
import { OrderEntity, OrderLineEntity, PreferenceTallyEntity, VisitEventEntity } from '../../entities/store';
import { chunks as chunksOf, engineOf, marks, once, quote } from '../loaders/raw-rows';

/**
 * Keeps `preference_tallies` (entities/store/preference-tally.entity.ts) equal to what
 * re-aggregating the events and order lines gives, inside the caller's transaction. Each place
 * that writes or erases events or orders calls one function here, in one line:
 *
 * - events ingested: `addClicks` (an upsert adding each visitor's new clicks per product);
 * - orders ingested (an order sent again may change its buyer or its lines): `refreshUnits` for
 *   the customers before and after;
 * - a person erased (forget, replay, Shopify redact): `refreshClicks` for their visitors and
 *   `refreshUnits` for their customers;
 * - a retention purge: `refreshClicks` for the visitors whose events it deleted.
 *
 * The profile reads them in one statement (loaders/preferences-by-customer.loader.ts).
 */

/** Owners per statement (SQLite binds at most 32766 values; MariaDB's packets stay small). */
const CHUNK = 500;

const chunks = <T>(values: T[]): T[][] => chunksOf(values, CHUNK);

const distinct = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

function names(em: EntityManager) {
  const esc = quote(em);
  const table = (e: new () => unknown) => esc(em.connection.getMetadata(e).tableName);
  return { esc, tallies: table(PreferenceTallyEntity), events: table(VisitEventEntity), orders: table(OrderEntity), lines: table(OrderLineEntity) };
}

/** Events just inserted: each CLICK on a product adds one to its visitor's tally. */
export async function addClicks(em: EntityManager, events: readonly Pick<VisitEventEntity, 'visitorId' | 'type' | 'productId'>[]): Promise<void> {
  const counts = new Map<string, { visitorId: string; productId: string; n: number }>();
  for (const e of events) {
    if (e.type !== 'CLICK' || e.productId === null || e.productId === undefined) continue;
    const key = `${e.visitorId}\u0000${e.productId}`;
    const c = counts.get(key) ?? { visitorId: e.visitorId, productId: e.productId, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  // In key order: two batches touching the same tallies lock them in the same order.
  const rows = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  for (const part of chunks(rows)) {
    const sql = once(em, `tallies-add|${part.length}`, () => {
      const { esc, tallies } = names(em);
      const [kind, ownerId, productId, n] = ['kind', 'ownerId', 'productId', 'n'].map(esc);
      const values = Array.from({ length: part.length }, () => "('v', ?, ?, ?)").join(', ');
      return (
        `INSERT INTO ${tallies} (${kind}, ${ownerId}, ${productId}, ${n}) VALUES ${values} ` +
        (engineOf(em) === 'mysql' ? `ON DUPLICATE KEY UPDATE ${n} = ${n} + VALUES(${n})` : `ON CONFLICT (${kind}, ${ownerId}, ${productId}) DO UPDATE SET ${n} = ${n} + excluded.${n}`)
      );
    });
    await em.query(
      sql,
      part.flatMap((r) => [r.visitorId, r.productId, r.n]),
    );
  }
}

/** These visitors' click tallies, recounted from their events (after events were deleted). */
export async function refreshClicks(em: EntityManager, visitorIds: (string | null | undefined)[]): Promise<void> {
  for (const part of chunks(distinct(visitorIds))) {
    const [del, ins] = once(em, `tallies-clicks|${part.length}`, () => {
      const { esc, tallies, events } = names(em);
      const [kind, ownerId, productId, n, visitorId, type] = ['kind', 'ownerId', 'productId', 'n', 'visitorId', 'type'].map(esc);
      return [
        `DELETE FROM ${tallies} WHERE ${kind} = 'v' AND ${ownerId} IN (${marks(part.length)})`,
        `INSERT INTO ${tallies} (${kind}, ${ownerId}, ${productId}, ${n}) SELECT 'v', e.${visitorId}, e.${productId}, COUNT(*) FROM ${events} e ` +
          `WHERE e.${visitorId} IN (${marks(part.length)}) AND e.${type} = 'CLICK' AND e.${productId} IS NOT NULL GROUP BY e.${visitorId}, e.${productId}`,
      ];
    });
    await em.query(del, part);
    await em.query(ins, part);
  }
}

/** These customers' units-bought tallies, recounted from the lines of the orders carrying their ID. */
export async function refreshUnits(em: EntityManager, customerIds: (string | null | undefined)[]): Promise<void> {
  for (const part of chunks(distinct(customerIds))) {
    const [del, ins] = once(em, `tallies-units|${part.length}`, () => {
      const { esc, tallies, orders, lines } = names(em);
      const [kind, ownerId, productId, n, customerId, id, orderId, quantity] = ['kind', 'ownerId', 'productId', 'n', 'customerId', 'id', 'orderId', 'quantity'].map(esc);
      return [
        `DELETE FROM ${tallies} WHERE ${kind} = 'c' AND ${ownerId} IN (${marks(part.length)})`,
        `INSERT INTO ${tallies} (${kind}, ${ownerId}, ${productId}, ${n}) SELECT 'c', o.${customerId}, l.${productId}, SUM(l.${quantity}) FROM ${lines} l ` +
          `INNER JOIN ${orders} o ON o.${id} = l.${orderId} WHERE o.${customerId} IN (${marks(part.length)}) GROUP BY o.${customerId}, l.${productId}`,
      ];
    });
    await em.query(del, part);
    await em.query(ins, part);
  }
}

/** A person erased: their visitors' clicks and their customers' units, recounted (nothing, or what others' orders still carry). */
export async function forgetTallies(em: EntityManager, visitorIds: (string | null | undefined)[], customerIds: (string | null | undefined)[]): Promise<void> {
  await refreshClicks(em, visitorIds);
  await refreshUnits(em, customerIds);
}
