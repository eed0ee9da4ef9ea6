import type { EntityManager } from 'typeorm';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { centsToDecimal, toCents } from './money';
import { bucketKey, bucketStarts, nextBucket, StatsIntervalName } from './stats-buckets';
import type { Engine } from '../../config';
import { engineOf } from '../loaders/raw-rows';
import { centsSql, DAY_MS, dateParam, dayOf, productRollupRevenueStatement, productRollupStatement, rollupStatements } from './rollups';

export const DEFAULT_TOP_PRODUCTS = 10;
export const MAX_TOP_PRODUCTS = 100;

/** A validated stats request: a store the caller reaches, a range, and its buckets. */
export interface StatsRange {
  storeId: string;
  from: Date;
  to: Date;
  interval: StatsIntervalName;
  starts: Date[];
}

export interface MoneyAmount {
  currency: string;
  /** Exact decimal string, two places. */
  amount: string;
}

export interface StatsBucketResult {
  start: Date;
  orders: number;
  customers: number;
  revenue: MoneyAmount[];
  visitors: number;
  events: { pageViews: number; contentViews: number; clicks: number };
}

export interface TopProductResult {
  productId: string;
  quantity: number;
  revenue: MoneyAmount[];
}

type Num = string | number | bigint | null;

/** The bucket of a datetime column, computed by the database: its UTC start as 'YYYY-MM-DD' (SQLite) or an integer key (MySQL). */
function bucketSql(engine: Engine, column: string, interval: StatsIntervalName): string {
  if (engine === 'sqlite') {
    // Stored as 'YYYY-MM-DD HH:MM:SS.sss' in UTC. 'weekday 0' moves to the coming Sunday (or stays), -6 days is its Monday.
    if (interval === 'DAY') return `substr(${column}, 1, 10)`;
    if (interval === 'WEEK') return `date(${column}, 'weekday 0', '-6 days')`;
    return `substr(${column}, 1, 7) || '-01'`;
  }
  // Integer keys: grouping on them costs about half of grouping on a formatted string (measured,
  // bench/STATS.md). Stored times are UTC, so TO_DAYS counts UTC days; WEEKDAY is 0 on Monday.
  if (interval === 'DAY') return `TO_DAYS(${column})`;
  if (interval === 'WEEK') return `(TO_DAYS(${column}) - WEEKDAY(${column}))`;
  return `EXTRACT(YEAR_MONTH FROM ${column})`;
}

/** TO_DAYS('1970-01-01'). */
const TO_DAYS_EPOCH = 719_528;

/** A bucket as the database returned it → the 'YYYY-MM-DD' of its UTC start. */
function bucketKeyOf(engine: Engine, interval: StatsIntervalName, raw: string | number): string {
  if (engine === 'sqlite') return String(raw);
  const n = Number(raw);
  if (interval === 'MONTH') return bucketKey(new Date(Date.UTC(Math.floor(n / 100), (n % 100) - 1, 1)));
  return bucketKey(new Date((n - TO_DAYS_EPOCH) * 86_400_000));
}

const revenueList = (byCurrency: Map<string, bigint> | undefined): MoneyAmount[] =>
  [...(byCurrency ?? new Map<string, bigint>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, cents]) => ({ currency, amount: centsToDecimal(cents) }));

/**
 * The statements behind `buckets`, each a GROUP BY over one time-indexed table with the range as
 * its two parameters (from inclusive, to exclusive). Exported so the bench runs exactly these.
 */
export function bucketStatements(engine: Engine, interval: StatsIntervalName) {
  const ob = bucketSql(engine, 'createdAt', interval);
  const eb = bucketSql(engine, 'occurredAt', interval);
  return {
    orders: `SELECT ${ob} AS bucket, COUNT(*) AS orders, COUNT(DISTINCT customerId) AS customers
      FROM orders WHERE createdAt >= ? AND createdAt < ? GROUP BY 1`,
    revenue: `SELECT ${ob} AS bucket, currency, SUM(${centsSql(engine, 'total')}) AS cents
      FROM orders WHERE createdAt >= ? AND createdAt < ? GROUP BY 1, 2`,
    events: `SELECT ${eb} AS bucket, COUNT(DISTINCT visitorId) AS visitors,
        SUM(CASE WHEN type = 'PAGE_VIEW' THEN 1 ELSE 0 END) AS pageViews,
        SUM(CASE WHEN type = 'CONTENT_VIEW' THEN 1 ELSE 0 END) AS contentViews,
        SUM(CASE WHEN type = 'CLICK' THEN 1 ELSE 0 END) AS clicks
      FROM visit_events WHERE occurredAt >= ? AND occurredAt < ? GROUP BY 1`,
  };
}

/** The `n` products sold most in the range (parameters: from, to), or all of them (`n` null). `n` is a validated integer. */
export const topProductsStatement = (n: number | null) => `SELECT l.productId AS productId, SUM(l.quantity) AS quantity
  FROM orders o JOIN order_lines l ON l.orderId = o.id
  WHERE o.createdAt >= ? AND o.createdAt < ?
  GROUP BY l.productId ORDER BY quantity DESC, l.productId ASC${n === null ? '' : ` LIMIT ${Math.floor(n)}`}`;

/** Revenue per currency of `count` products in the range (parameters: from, to, then the product IDs). */
export const productRevenueStatement = (engine: Engine, count: number) => `SELECT l.productId AS productId, o.currency AS currency, SUM(${centsSql(engine, 'l.quantity * l.unitPrice')}) AS cents
  FROM orders o JOIN order_lines l ON l.orderId = o.id
  WHERE o.createdAt >= ? AND o.createdAt < ? AND l.productId IN (${Array.from({ length: count }, () => '?').join(', ')})
  GROUP BY l.productId, o.currency`;

/** One bucket's numbers, as either source gives them. */
interface BucketTotals {
  orders: number;
  customers: number;
  revenue: Map<string, bigint>;
  visitors: number;
  events: { pageViews: number; contentViews: number; clicks: number };
}

const EVENT_FIELD: Record<string, keyof BucketTotals['events']> = { PAGE_VIEW: 'pageViews', CONTENT_VIEW: 'contentViews', CLICK: 'clicks' };

function totalsIn(m: Map<string, BucketTotals>, key: string): BucketTotals {
  let t = m.get(key);
  if (!t) m.set(key, (t = { orders: 0, customers: 0, revenue: new Map(), visitors: 0, events: { pageViews: 0, contentViews: 0, clicks: 0 } }));
  return t;
}

/** The raw GROUP BY statements (bucketStatements) over [from, to): the reference the rollups must equal. */
async function rawTotals(em: EntityManager, interval: StatsIntervalName, from: Date, to: Date): Promise<Map<string, BucketTotals>> {
  const engine = engineOf(em);
  const params = [dateParam(engine, from), dateParam(engine, to)];
  const sql = bucketStatements(engine, interval);
  const [orderRows, revenueRows, eventRows] = (await Promise.all([em.query(sql.orders, params), em.query(sql.revenue, params), em.query(sql.events, params)])) as [
    { bucket: string | number; orders: Num; customers: Num }[],
    { bucket: string | number; currency: string; cents: Num }[],
    { bucket: string | number; visitors: Num; pageViews: Num; contentViews: Num; clicks: Num }[],
  ];
  const key = (raw: string | number) => bucketKeyOf(engine, interval, raw);
  const out = new Map<string, BucketTotals>();
  for (const o of orderRows) Object.assign(totalsIn(out, key(o.bucket)), { orders: Number(o.orders ?? 0), customers: Number(o.customers ?? 0) });
  for (const row of revenueRows) totalsIn(out, key(row.bucket)).revenue.set(row.currency, toCents(row.cents));
  for (const e of eventRows) {
    Object.assign(totalsIn(out, key(e.bucket)), { visitors: Number(e.visitors ?? 0), events: { pageViews: Number(e.pageViews ?? 0), contentViews: Number(e.contentViews ?? 0), clicks: Number(e.clicks ?? 0) } });
  }
  return out;
}

/** Whole buckets from the rollups (rollups.ts): days [fromDay, toDay), both bucket boundaries. */
async function rollupTotals(em: EntityManager, interval: StatsIntervalName, fromDay: number, toDay: number): Promise<Map<string, BucketTotals>> {
  const sql = rollupStatements(interval);
  const params = [fromDay, toDay];
  const [orderRows, customerRows, visitorRows, eventRows] = (await Promise.all([em.query(sql.orders, params), em.query(sql.customers, params), em.query(sql.visitors, params), em.query(sql.events, params)])) as [
    { bucket: Num; currency: string; orders: Num; cents: Num }[],
    { bucket: Num; n: Num }[],
    { bucket: Num; n: Num }[],
    { bucket: Num; type: string; n: Num }[],
  ];
  const key = (b: Num) => bucketKey(new Date(Number(b) * DAY_MS));
  const out = new Map<string, BucketTotals>();
  for (const o of orderRows) {
    const t = totalsIn(out, key(o.bucket));
    t.orders += Number(o.orders);
    t.revenue.set(o.currency, toCents(o.cents));
  }
  for (const c of customerRows) totalsIn(out, key(c.bucket)).customers = Number(c.n);
  for (const v of visitorRows) totalsIn(out, key(v.bucket)).visitors = Number(v.n);
  for (const e of eventRows) if (EVENT_FIELD[e.type]) totalsIn(out, key(e.bucket)).events[EVENT_FIELD[e.type]] += Number(e.n);
  return out;
}

/** Every bucket of the range, empty ones included. */
const fill = (r: StatsRange, totals: Map<string, BucketTotals>): StatsBucketResult[] =>
  r.starts.map((start) => {
    const t = totals.get(bucketKey(start));
    return {
      start,
      orders: t?.orders ?? 0,
      customers: t?.customers ?? 0,
      revenue: revenueList(t?.revenue),
      visitors: t?.visitors ?? 0,
      events: t ? { ...t.events } : { pageViews: 0, contentViews: 0, clicks: 0 },
    };
  });

/** storeStats' buckets straight from the raw rows, the whole range through bucketStatements: the reference for tests and benches. */
export async function referenceBuckets(em: EntityManager, r: StatsRange): Promise<StatsBucketResult[]> {
  return fill(r, await rawTotals(em, r.interval, r.from, r.to));
}

/**
 * Analysts' aggregates over one store (no personal data leaves: counts and sums only, so it is
 * not a personal read for the audit). Every number is computed by the database with GROUP BY:
 * over the per-day rollups (rollups.ts) for whole buckets and days, over the raw rows' time
 * indexes for a bucket or day the range cuts; the gateway fills in empty buckets, merges the
 * parts and formats money.
 */
export class StoreStatsService {
  constructor(private readonly tenancy: Tenancy) {}

  /** Checks the caller reaches the store and the range is valid and bounded, before any query runs. */
  async range(ctx: TenancyContext, storeId: string, from: Date, to: Date, interval: StatsIntervalName): Promise<StatsRange> {
    const starts = bucketStarts(from, to, interval);
    await this.tenancy.store(ctx, storeId);
    return { storeId, from, to, interval, starts };
  }

  /**
   * Whole buckets inside the range come from the rollups (a few hundred rows a year); a bucket the
   * range cuts (a `from` or `to` inside it) from the raw GROUP BY over its part of the range.
   */
  async buckets(ctx: TenancyContext, r: StatsRange): Promise<StatsBucketResult[]> {
    const em = await this.tenancy.storeManager(ctx, r.storeId);
    const ends = r.starts.map((s) => nextBucket(s, r.interval));
    const whole = r.starts.map((s, i) => s.getTime() >= r.from.getTime() && ends[i].getTime() <= r.to.getTime());
    const first = whole.indexOf(true);
    const last = whole.lastIndexOf(true);
    const parts: Promise<Map<string, BucketTotals>>[] = [];
    if (first >= 0) parts.push(rollupTotals(em, r.interval, dayOf(r.starts[first]), dayOf(ends[last])));
    r.starts.forEach((s, i) => {
      if (!whole[i]) parts.push(rawTotals(em, r.interval, new Date(Math.max(s.getTime(), r.from.getTime())), new Date(Math.min(ends[i].getTime(), r.to.getTime()))));
    });
    const totals = new Map<string, BucketTotals>();
    for (const m of await Promise.all(parts)) for (const [k, v] of m) totals.set(k, v);
    return fill(r, totals);
  }

  /**
   * The products bought most (units) in the range, with their revenue per currency: whole UTC
   * days from the per-day product rollup, a day the range cuts from the raw join of its part.
   */
  async topProducts(ctx: TenancyContext, r: StatsRange, first: number | null | undefined): Promise<TopProductResult[]> {
    const n = first ?? DEFAULT_TOP_PRODUCTS;
    if (!Number.isInteger(n) || n < 0 || n > MAX_TOP_PRODUCTS) throw new BadUserInputError(`\`first\` must be between 0 and ${MAX_TOP_PRODUCTS}`);
    if (n === 0) return [];
    const em = await this.tenancy.storeManager(ctx, r.storeId);
    const engine = engineOf(em);
    const fromDay = Math.ceil(r.from.getTime() / DAY_MS);
    const toDay = Math.floor(r.to.getTime() / DAY_MS);
    // Each part: its top statement (parameters and all) and its revenue statement for some products.
    const parts: { top: (limit: number | null) => [string, unknown[]]; revenue: (ids: string[]) => [string, unknown[]] }[] = [];
    const raw = (from: Date, to: Date) => {
      const params = [dateParam(engine, from), dateParam(engine, to)];
      parts.push({ top: (limit) => [topProductsStatement(limit), params], revenue: (ids) => [productRevenueStatement(engine, ids.length), [...params, ...ids]] });
    };
    if (fromDay >= toDay) raw(r.from, r.to);
    else {
      if (r.from.getTime() < fromDay * DAY_MS) raw(r.from, new Date(fromDay * DAY_MS));
      parts.push({ top: (limit) => [productRollupStatement(limit), [fromDay, toDay]], revenue: (ids) => [productRollupRevenueStatement(ids.length), [fromDay, toDay, ...ids]] });
      if (toDay * DAY_MS < r.to.getTime()) raw(new Date(toDay * DAY_MS), r.to);
    }
    // One part ranks in SQL; several are merged here (every product of each, then ranked alike).
    const limit = parts.length === 1 ? n : null;
    const units = new Map<string, number>();
    for (const rows of await Promise.all(parts.map((p) => em.query(...p.top(limit)) as Promise<{ productId: string; quantity: Num }[]>))) {
      for (const t of rows) units.set(t.productId, (units.get(t.productId) ?? 0) + Number(t.quantity));
    }
    const top = [...units].sort(([a, qa], [b, qb]) => qb - qa || (a < b ? -1 : a > b ? 1 : 0)).slice(0, n);
    if (top.length === 0) return [];
    const ids = top.map(([id]) => id);
    const revenue = new Map<string, Map<string, bigint>>();
    for (const rows of await Promise.all(parts.map((p) => em.query(...p.revenue(ids)) as Promise<{ productId: string; currency: string; cents: Num }[]>))) {
      for (const row of rows) {
        const m = revenue.get(row.productId) ?? new Map<string, bigint>();
        m.set(row.currency, (m.get(row.currency) ?? 0n) + toCents(row.cents));
        revenue.set(row.productId, m);
      }
    }
    return top.map(([productId, quantity]) => ({ productId, quantity, revenue: revenueList(revenue.get(productId)) }));
  }
}

/** topProducts straight from the raw join over the whole range: the reference for tests. */
export async function referenceTopProducts(em: EntityManager, r: StatsRange, n: number): Promise<TopProductResult[]> {
  const engine = engineOf(em);
  const params = [dateParam(engine, r.from), dateParam(engine, r.to)];
  const top = (await em.query(topProductsStatement(n), params)) as { productId: string; quantity: Num }[];
  if (top.length === 0) return [];
  const rows = (await em.query(productRevenueStatement(engine, top.length), [...params, ...top.map((t) => t.productId)])) as { productId: string; currency: string; cents: Num }[];
  return top.map((t) => ({
    productId: t.productId,
    quantity: Number(t.quantity),
    revenue: revenueList(new Map(rows.filter((x) => x.productId === t.productId).map((x) => [x.currency, toCents(x.cents)]))),
  }));
}
