import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { PreferenceTallyEntity, ProductEntity, VisitorEntity } from '../../entities/store';
import { PreferenceResult, scorePreferences } from '../profiles/preferences';
import { marks, once, quote } from './raw-rows';

type Tally = Map<string, Map<string, number>>;

/** Customers per statement (each is a placeholder in two lists). */
const BATCH = 500;

/**
 * Clicks per product (summed over the tallies of the visitors carrying the customer's ID) and
 * units bought per product (the customer's own tally), each with the product's category, for
 * many customers in ONE statement. The tallies (profiles/preference-tallies.ts) equal the
 * re-aggregation of the events and order lines, which is no longer read on a profile.
 */
function preferencesSql(em: EntityManager, n: number): string {
  return once(em, `preferences|${n}`, () => {
    const esc = quote(em);
    const table = (e: new () => unknown) => esc(em.connection.getMetadata(e).tableName);
    const [customerId, productId, kind, count, category, id, ownerId] = ['customerId', 'productId', 'kind', 'n', 'category', 'id', 'ownerId'].map(esc);
    return (
      `SELECT t.${customerId} AS ${customerId}, t.${productId} AS ${productId}, t.${kind} AS ${kind}, t.${count} AS ${count}, p.${category} AS ${category} FROM (` +
      `SELECT v.${customerId} AS ${customerId}, c.${productId} AS ${productId}, 'c' AS ${kind}, SUM(c.${count}) AS ${count} ` +
      `FROM ${table(VisitorEntity)} v INNER JOIN ${table(PreferenceTallyEntity)} c ON c.${kind} = 'v' AND c.${ownerId} = v.${id} ` +
      `WHERE v.${customerId} IN (${marks(n)}) GROUP BY v.${customerId}, c.${productId} ` +
      `UNION ALL ` +
      `SELECT b.${ownerId} AS ${customerId}, b.${productId} AS ${productId}, 'b' AS ${kind}, b.${count} AS ${count} ` +
      `FROM ${table(PreferenceTallyEntity)} b WHERE b.${kind} = 'c' AND b.${ownerId} IN (${marks(n)})` +
      `) t LEFT JOIN ${table(ProductEntity)} p ON p.${id} = t.${productId}`
    );
  });
}

export interface TallyRow {
  customerId: string;
  productId: string;
  kind: 'c' | 'b';
  n: string | number;
  category: string | null;
}

/** Each customer's preferences from their tally rows (clicks 'c', units bought 'b', with categories). */
export function scoreTallies(rows: readonly TallyRow[], ids: readonly string[]): PreferenceResult[] {
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
}

/** Preferences for a page of customers in one statement: their tallies of clicks and units bought, with the categories. */
export const createPreferencesByCustomerLoader = (em: () => Promise<EntityManager>) =>
  new DataLoader<string, PreferenceResult>(
    async (ids) => {
      const m = await em();
      const rows: TallyRow[] = await m.query(preferencesSql(m, ids.length), [...ids, ...ids]);
      return scoreTallies(rows, ids);
    },
    { maxBatchSize: BATCH },
  );
