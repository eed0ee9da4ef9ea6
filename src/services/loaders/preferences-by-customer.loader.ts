import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { OrderEntity, OrderLineEntity, ProductEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import { PreferenceResult, scorePreferences } from '../profiles/preferences';
import { marks, once, quote } from './raw-rows';

type Tally = Map<string, Map<string, number>>;

/** Customers per statement (each is a placeholder in two lists). */
const BATCH = 500;

/**
 * Clicks per product (through the customer's visitors) and units bought per product (on orders
 * carrying the customer's ID), each with the product's category, for many customers in ONE
 * statement: the two aggregates as branches of a UNION ALL, the categories joined after.
 */
function preferencesSql(em: EntityManager, n: number): string {
  return once(em, `preferences|${n}`, () => {
    const esc = quote(em);
    const table = (e: new () => unknown) => esc(em.connection.getMetadata(e).tableName);
    const [customerId, productId, kind, count, category, id] = ['customerId', 'productId', 'kind', 'n', 'category', 'id'].map(esc);
    return (
      `SELECT t.${customerId} AS ${customerId}, t.${productId} AS ${productId}, t.${kind} AS ${kind}, t.${count} AS ${count}, p.${category} AS ${category} FROM (` +
      `SELECT v.${customerId} AS ${customerId}, e.${productId} AS ${productId}, 'c' AS ${kind}, COUNT(*) AS ${count} ` +
      `FROM ${table(VisitEventEntity)} e INNER JOIN ${table(VisitorEntity)} v ON v.${id} = e.${esc('visitorId')} ` +
      `WHERE v.${customerId} IN (${marks(n)}) AND e.${esc('type')} = 'CLICK' AND e.${productId} IS NOT NULL GROUP BY v.${customerId}, e.${productId} ` +
      `UNION ALL ` +
      `SELECT o.${customerId} AS ${customerId}, l.${productId} AS ${productId}, 'b' AS ${kind}, SUM(l.${esc('quantity')}) AS ${count} ` +
      `FROM ${table(OrderLineEntity)} l INNER JOIN ${table(OrderEntity)} o ON o.${id} = l.${esc('orderId')} ` +
      `WHERE o.${customerId} IN (${marks(n)}) GROUP BY o.${customerId}, l.${productId}` +
      `) t LEFT JOIN ${table(ProductEntity)} p ON p.${id} = t.${productId}`
    );
  });
}

/** Preferences for a page of customers in one statement: clicks, units bought, categories. */
export const createPreferencesByCustomerLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, PreferenceResult>(
    async (ids) => {
      const m = await em();
      const rows: { customerId: string; productId: string; kind: 'c' | 'b'; n: string | number; category: string | null }[] = await m.query(preferencesSql(m, ids.length), [
        ...ids,
        ...ids,
      ]);
      const clicks: Tally = new Map();
      const bought: Tally = new Map();
      const categoryOf = new Map<string, string | null>();
      for (const r of rows) {
        const t = r.kind === 'c' ? clicks : bought;
        const per = t.get(r.customerId) ?? new Map<string, number>();
        per.set(r.productId, Number(r.n));
        t.set(r.customerId, per);
        if (r.category !== null && r.category !== undefined) categoryOf.set(r.productId, r.category);
      }
      const none = new Map<string, number>();
      return ids.map((id) => scorePreferences(clicks.get(id) ?? none, bought.get(id) ?? none, categoryOf));
    },
    { maxBatchSize: BATCH },
  );
