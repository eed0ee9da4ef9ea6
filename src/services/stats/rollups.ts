/**
 * storeStats' per-day rollups, kept exact in the same transaction as the rows they summarize
 * (entities: src/entities/store/stats-rollup.entities.ts). Every writer of `visit_events` and
 * `orders` calls one function here, with its own EntityManager, before or after its write:
 *
 * - ingestion: rollupEventsInserted (after the events), rollupOrdersUpserting (before the upsert,
 *   it reads what a re-sent order replaces);
 * - forget / replay / store move (eraseFootprint) and retention purge: rollupEventsDeleting
 *   (before the delete); forget and the Shopify redact: rollupOrdersAnonymizing (before the update).
 *
 * Counters are additive (INSERT … ON DUPLICATE KEY / ON CONFLICT … SET n = n + delta): two
 * transactions adding to the same day serialize on that row, never lose an update. Distinct
 * visitors and buyers are membership rows (kind, bucket, person) under a primary key, counted by
 * the reader; a removal deletes the person's rows in the affected buckets and re-inserts those
 * the remaining rows still justify, so they stay equal to COUNT(DISTINCT …) over the raw rows.
 *
 * Days are UTC day numbers (days since 1970-01-01), computed here for new rows and by the
 * database (the same definitions) for stored ones. Service code rather than triggers: see
 * bench/STATS.md ("Decision").
 */
import type { EntityManager } from 'typeorm';
import { decimalToCents } from './money';
import { isGaleraStore } from '../../tenancy/store-lock';
import type { Engine } from '../../config';
import { chunks as chunksOf, engineOf, marks } from '../loaders/raw-rows';

export type { Engine };

export type RollupKind = 'D' | 'W' | 'M';
export const ROLLUP_KINDS: RollupKind[] = ['D', 'W', 'M'];

export const DAY_MS = 86_400_000;

/** The rollup tables (entities in src/entities/store/stats-rollup.entities.ts). */
export const ROLLUP_TABLES = ['stats_day_events', 'stats_day_orders', 'stats_day_products', 'stats_bucket_visitors', 'stats_bucket_buyers'] as const;

export { engineOf };

/** The UTC day number of a time. */
export const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);
/** The day number of the Monday starting a day's week (day 0, 1970-01-01, was a Thursday). */
export const weekOf = (day: number): number => day - ((((day + 3) % 7) + 7) % 7);
/** The day number of the 1st of a day's month. */
export function monthOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY_MS;
}
export const bucketOfDay = (kind: RollupKind, day: number): number => (kind === 'D' ? day : kind === 'W' ? weekOf(day) : monthOf(day));
/** The first day after a bucket. */
export function bucketEndDay(kind: RollupKind, bucket: number): number {
  if (kind === 'D') return bucket + 1;
  if (kind === 'W') return bucket + 7;
  const d = new Date(bucket * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
}

/** The same day numbers, computed by each engine from a stored UTC datetime column. */
export function daySql(engine: Engine, column: string): Record<'day' | 'week' | 'month', string> {
  if (engine === 'sqlite') {
    // Stored as 'YYYY-MM-DD HH:MM:SS.sss' in UTC; julianday of a date is n + 0.5.
    const n = (date: string) => `CAST(julianday(${date}) - 2440587.5 AS INTEGER)`;
    return { day: n(`substr(${column}, 1, 10)`), week: n(`date(${column}, 'weekday 0', '-6 days')`), month: n(`substr(${column}, 1, 7) || '-01'`) };
  }
  // TO_DAYS('1970-01-01') = 719528; WEEKDAY is 0 on Monday.
  return { day: `(TO_DAYS(${column}) - 719528)`, week: `(TO_DAYS(${column}) - WEEKDAY(${column}) - 719528)`, month: `(TO_DAYS(${column}) - DAYOFMONTH(${column}) + 1 - 719528)` };
}
const kindSql = (engine: Engine, column: string, kind: RollupKind) => daySql(engine, column)[kind === 'D' ? 'day' : kind === 'W' ? 'week' : 'month'];

/** Amounts in integer cents, exactly: DECIMAL arithmetic on MySQL, integers on SQLite. */
export const centsSql = (engine: Engine, expr: string) => (engine === 'sqlite' ? `CAST(ROUND(${expr} * 100) AS INTEGER)` : `(${expr} * 100)`);

/** Date parameters as each engine compares them: SQLite holds the UTC text TypeORM writes. */
export const dateParam = (engine: Engine, d: Date): Date | string => (engine === 'sqlite' ? d.toISOString().replace('T', ' ').replace('Z', '') : d);

/** Rows per multi-row statement (at most 6 parameters a row: well under SQLite's limit). */
const CHUNK = 1000;
const chunks = <T>(xs: T[]): T[][] => chunksOf(xs, CHUNK);

/**
 * The statements that fill the rollups from the stored rows (the StatsRollups migration, and the
 * benches after loading rows directly). They expect empty rollup tables.
 */
export function backfillStatements(engine: Engine): string[] {
  const e = daySql(engine, 'occurredAt');
  const o = daySql(engine, 'createdAt');
  const ol = daySql(engine, 'o.createdAt');
  return [
    `INSERT INTO stats_day_events (day, week, month, type, events) SELECT ${e.day}, ${e.week}, ${e.month}, type, COUNT(*) FROM visit_events GROUP BY 1, 2, 3, 4`,
    `INSERT INTO stats_day_orders (day, week, month, currency, orders, cents) SELECT ${o.day}, ${o.week}, ${o.month}, currency, COUNT(*), SUM(${centsSql(engine, 'total')}) FROM orders GROUP BY 1, 2, 3, 4`,
    `INSERT INTO stats_day_products (day, productId, currency, quantity, cents) SELECT ${ol.day}, l.productId, o.currency, SUM(l.quantity), SUM(${centsSql(engine, 'l.quantity * l.unitPrice')})
      FROM orders o JOIN order_lines l ON l.orderId = o.id GROUP BY 1, 2, 3`,
    ...ROLLUP_KINDS.map((k) => `INSERT INTO stats_bucket_visitors (kind, bucket, visitorId) SELECT DISTINCT '${k}', ${kindSql(engine, 'occurredAt', k)}, visitorId FROM visit_events`),
    ...ROLLUP_KINDS.map((k) => `INSERT INTO stats_bucket_buyers (kind, bucket, customerId) SELECT DISTINCT '${k}', ${kindSql(engine, 'createdAt', k)}, customerId FROM orders WHERE customerId IS NOT NULL`),
  ];
}

// ---------------------------------------------------------------------------------------------
// Writers of the rollup tables

interface EventDelta {
  day: number;
  type: string;
  n: number;
}

async function addEvents(em: EntityManager, engine: Engine, deltas: EventDelta[]): Promise<void> {
  const rows = deltas.filter((d) => d.n !== 0).sort((a, b) => a.day - b.day || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const tail = engine === 'sqlite' ? 'ON CONFLICT (day, type) DO UPDATE SET events = events + excluded.events' : 'ON DUPLICATE KEY UPDATE events = events + VALUES(events)';
  for (const part of chunks(rows)) {
    await em.query(`INSERT INTO stats_day_events (day, week, month, type, events) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')} ${tail}`, part.flatMap((r) => [r.day, weekOf(r.day), monthOf(r.day), r.type, r.n]));
  }
}

interface OrderDelta {
  day: number;
  currency: string;
  orders: number;
  cents: bigint;
}

async function addOrders(em: EntityManager, engine: Engine, deltas: Map<string, OrderDelta>): Promise<void> {
  const rows = [...deltas.values()].filter((d) => d.orders !== 0 || d.cents !== 0n).sort((a, b) => a.day - b.day || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  if (rows.length === 0) return;
  const tail = engine === 'sqlite' ? 'ON CONFLICT (day, currency) DO UPDATE SET orders = orders + excluded.orders, cents = cents + excluded.cents' : 'ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders), cents = cents + VALUES(cents)';
  for (const part of chunks(rows)) {
    await em.query(
      `INSERT INTO stats_day_orders (day, week, month, currency, orders, cents) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')} ${tail}`,
      part.flatMap((r) => [r.day, weekOf(r.day), monthOf(r.day), r.currency, r.orders, engine === 'sqlite' ? Number(r.cents) : r.cents.toString()]),
    );
  }
  // A day and currency left without orders (a re-sent order moved) is no row, as in the raw GROUP BY.
  const days = [...new Set(rows.filter((r) => r.orders < 0).map((r) => r.day))];
  for (const part of chunks(days)) await em.query(`DELETE FROM stats_day_orders WHERE day IN (${marks(part.length)}) AND orders = 0`, part);
}

interface ProductDelta {
  day: number;
  productId: string;
  currency: string;
  quantity: number;
  cents: bigint;
}

async function addProducts(em: EntityManager, engine: Engine, deltas: Map<string, ProductDelta>): Promise<void> {
  const rows = [...deltas.values()]
    .filter((d) => d.quantity !== 0 || d.cents !== 0n)
    .sort((a, b) => a.day - b.day || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  if (rows.length === 0) return;
  const tail =
    engine === 'sqlite'
      ? 'ON CONFLICT (day, productId, currency) DO UPDATE SET quantity = quantity + excluded.quantity, cents = cents + excluded.cents'
      : 'ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity), cents = cents + VALUES(cents)';
  for (const part of chunks(rows)) {
    await em.query(
      `INSERT INTO stats_day_products (day, productId, currency, quantity, cents) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')} ${tail}`,
      part.flatMap((r) => [r.day, r.productId, r.currency, r.quantity, engine === 'sqlite' ? Number(r.cents) : r.cents.toString()]),
    );
  }
  // A product no longer sold that day (its order was re-sent without it, or moved) is no row.
  const days = [...new Set(rows.filter((r) => r.quantity < 0).map((r) => r.day))];
  for (const part of chunks(days)) await em.query(`DELETE FROM stats_day_products WHERE day IN (${marks(part.length)}) AND quantity = 0`, part);
}

type Membership = { table: 'stats_bucket_visitors'; person: 'visitorId' } | { table: 'stats_bucket_buyers'; person: 'customerId' };
const VISITORS: Membership = { table: 'stats_bucket_visitors', person: 'visitorId' };
const BUYERS: Membership = { table: 'stats_bucket_buyers', person: 'customerId' };

/** Adds (kind, bucket, person) rows; those already there stay. */
async function addMembers(em: EntityManager, engine: Engine, m: Membership, people: { day: number; person: string }[]): Promise<void> {
  const keys = new Map<string, [RollupKind, number, string]>();
  for (const p of people) for (const k of ROLLUP_KINDS) {
    const b = bucketOfDay(k, p.day);
    keys.set(`${k}|${b}|${p.person}`, [k, b, p.person]);
  }
  const rows = [...keys.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)));
  const head = engine === 'sqlite' ? 'INSERT OR IGNORE INTO' : 'INSERT INTO';
  const tail = engine === 'sqlite' ? '' : `ON DUPLICATE KEY UPDATE kind = VALUES(kind)`;
  for (const part of chunks(rows)) await em.query(`${head} ${m.table} (kind, bucket, ${m.person}) VALUES ${part.map(() => '(?, ?, ?)').join(', ')} ${tail}`, part.flat());
}

/**
 * Re-derives the memberships of `people` in every bucket that holds a day in [minDay, maxDay]:
 * deletes them, then inserts those the source rows justify, leaving out the rows `exclude`
 * (about to be deleted or rewritten by the caller); `exclude` null: all their rows go.
 */
async function refreshMembers(
  em: EntityManager,
  engine: Engine,
  m: Membership,
  people: string[],
  minDay: number,
  maxDay: number,
  source: { table: 'visit_events' | 'orders'; time: string; exclude: { column: 'id'; values: (string | number)[] } | null },
): Promise<void> {
  if (people.length === 0) return;
  if (source.exclude === null) {
    // Every row of these people goes (a forget): so do all their memberships, by the person index.
    for (const part of chunks(people)) await em.query(`DELETE FROM ${m.table} WHERE ${m.person} IN (${marks(part.length)})`, part);
    return;
  }
  // One DELETE and one INSERT … SELECT for the three kinds: the purge runs this for every chunk.
  const windows = ROLLUP_KINDS.map((k) => {
    const first = bucketOfDay(k, minDay);
    const last = bucketOfDay(k, maxDay);
    return { k, first, last, from: dateParam(engine, new Date(first * DAY_MS)), to: dateParam(engine, new Date(bucketEndDay(k, last) * DAY_MS)) };
  });
  const ex = source.exclude.values;
  const notExcluded = ex.length ? ` AND ${source.exclude.column} NOT IN (${marks(ex.length)})` : '';
  for (const part of chunks(people)) {
    await em.query(
      `DELETE FROM ${m.table} WHERE ${m.person} IN (${marks(part.length)}) AND (${windows.map(() => '(kind = ? AND bucket >= ? AND bucket <= ?)').join(' OR ')})`,
      [...part, ...windows.flatMap((w) => [w.k, w.first, w.last])],
    );
    // INSERT IGNORE on MySQL: the rows come from columns of the same types, so only duplicates are ignored.
    await em.query(
      `${engine === 'sqlite' ? 'INSERT OR IGNORE' : 'INSERT IGNORE'} INTO ${m.table} (kind, bucket, ${m.person}) ${windows
        .map((w) => `SELECT DISTINCT '${w.k}', ${kindSql(engine, source.time, w.k)}, ${m.person} FROM ${source.table} WHERE ${m.person} IN (${marks(part.length)}) AND ${source.time} >= ? AND ${source.time} < ?${notExcluded}`)
        .join(' UNION ALL ')}`,
      windows.flatMap((w) => [...part, w.from, w.to, ...ex]),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The calls from the writers

/** After inserting visit events: counts per day and type, and the visitors' buckets. */
export async function rollupEventsInserted(em: EntityManager, events: { visitorId: string; type: string; occurredAt: Date }[]): Promise<void> {
  if (events.length === 0) return;
  const engine = engineOf(em);
  const counts = new Map<string, EventDelta>();
  const people: { day: number; person: string }[] = [];
  for (const e of events) {
    const day = dayOf(e.occurredAt);
    const key = `${day}|${e.type}`;
    const c = counts.get(key) ?? { day, type: e.type, n: 0 };
    c.n++;
    counts.set(key, c);
    people.push({ day, person: e.visitorId });
  }
  // The day counters last: concurrent batches of a store wait for each other on those rows
  // until commit, so they are locked as late as possible.
  await addMembers(em, engine, VISITORS, people);
  await addEvents(em, engine, [...counts.values()]);
}

/**
 * Before deleting visit events, all of some visitors' (`visitorIds`: a forget) or some by ID (a
 * retention purge): takes them out of the day counts, and re-derives the visitors' memberships
 * in the buckets they touched from the events that stay.
 */
export async function rollupEventsDeleting(em: EntityManager, where: { visitorIds: string[] } | { ids: number[] }): Promise<void> {
  const byVisitor = 'visitorIds' in where;
  const values: (string | number)[] = byVisitor ? where.visitorIds : where.ids;
  if (values.length === 0) return;
  const engine = engineOf(em);
  const e = daySql(engine, 'occurredAt');
  const pred = `${byVisitor ? 'visitorId' : 'id'} IN (${marks(values.length)})`;
  const rows = (await em.query(`SELECT ${e.day} AS day, type, COUNT(*) AS n FROM visit_events WHERE ${pred} GROUP BY 1, 2`, values)) as { day: number | string; type: string; n: number | string }[];
  if (rows.length === 0) return;
  await addEvents(em, engine, rows.map((r) => ({ day: Number(r.day), type: r.type, n: -Number(r.n) })));
  const days = rows.map((r) => Number(r.day));
  const visitors = byVisitor
    ? where.visitorIds
    : ((await em.query(`SELECT DISTINCT visitorId FROM visit_events WHERE ${pred}`, values)) as { visitorId: string }[]).map((r) => r.visitorId);
  await refreshMembers(em, engine, VISITORS, visitors, Math.min(...days), Math.max(...days), {
    table: 'visit_events',
    time: 'occurredAt',
    exclude: byVisitor ? null : { column: 'id', values },
  });
}

interface StoredOrder {
  id: string;
  customerId: string | null;
  currency: string;
  total: string | number;
  day: number | string;
}

async function storedOrders(em: EntityManager, engine: Engine, ids: string[]): Promise<StoredOrder[]> {
  const out: StoredOrder[] = [];
  // Locking on a MySQL server: a re-send racing this one waits, then sees this one's row and
  // delta. Not on Galera: there lockSubjects already orders a store's writers cluster-wide, and
  // the gap locks FOR UPDATE takes on new IDs stall the appliers (a forget racing ingestion
  // through another node then waits for flow control: the cluster test caught it).
  const lock = engine === 'sqlite' || (await isGaleraStore(em)) ? '' : ' FOR UPDATE';
  for (const part of chunks(ids)) {
    out.push(...((await em.query(`SELECT id, customerId, currency, total, ${daySql(engine, 'createdAt').day} AS day FROM orders WHERE id IN (${marks(part.length)})${lock}`, part)) as StoredOrder[]));
  }
  return out;
}

/**
 * Before upserting orders (new ones and re-sent ones, which replace what is stored with their
 * lines): moves the day counts, revenue and products' units from what is stored to what comes,
 * and the buyers' memberships. `lines[i]` are the lines of `orders[i]`.
 */
export async function rollupOrdersUpserting(
  em: EntityManager,
  orders: { id: string; customerId: string | null; createdAt: Date; currency: string; total: number }[],
  lines: { productId: string; quantity: number; unitPrice: number }[][],
): Promise<void> {
  if (orders.length === 0) return;
  const engine = engineOf(em);
  const before = new Map((await storedOrders(em, engine, orders.map((o) => o.id))).map((o) => [o.id, o]));
  await moveProducts(em, engine, orders, lines, before);
  const deltas = new Map<string, OrderDelta>();
  const add = (day: number, currency: string, n: number, cents: bigint) => {
    const key = `${day}|${currency}`;
    const d = deltas.get(key) ?? { day, currency, orders: 0, cents: 0n };
    d.orders += n;
    d.cents += cents;
    deltas.set(key, d);
  };
  const moved: StoredOrder[] = [];
  for (const o of orders) {
    const day = dayOf(o.createdAt);
    add(day, o.currency, 1, decimalToCents(o.total));
    const old = before.get(o.id);
    if (!old) continue;
    add(Number(old.day), old.currency, -1, -decimalToCents(old.total));
    if (old.customerId !== null && (old.customerId !== o.customerId || Number(old.day) !== day)) moved.push(old);
  }
  await addOrders(em, engine, deltas);
  if (moved.length) {
    const days = moved.map((o) => Number(o.day));
    await refreshMembers(em, engine, BUYERS, [...new Set(moved.map((o) => o.customerId!))], Math.min(...days), Math.max(...days), {
      table: 'orders',
      time: 'createdAt',
      exclude: { column: 'id', values: orders.map((o) => o.id) },
    });
  }
  await addMembers(em, engine, BUYERS, orders.filter((o) => o.customerId !== null).map((o) => ({ day: dayOf(o.createdAt), person: o.customerId! })));
}

async function moveProducts(
  em: EntityManager,
  engine: Engine,
  orders: { id: string; createdAt: Date; currency: string }[],
  lines: { productId: string; quantity: number; unitPrice: number }[][],
  before: Map<string, StoredOrder>,
): Promise<void> {
  const deltas = new Map<string, ProductDelta>();
  const add = (day: number, productId: string, currency: string, quantity: number, cents: bigint) => {
    const key = `${day}|${currency}|${productId}`;
    const d = deltas.get(key) ?? { day, productId, currency, quantity: 0, cents: 0n };
    d.quantity += quantity;
    d.cents += cents;
    deltas.set(key, d);
  };
  orders.forEach((o, i) => {
    for (const l of lines[i] ?? []) add(dayOf(o.createdAt), l.productId, o.currency, l.quantity, BigInt(l.quantity) * decimalToCents(l.unitPrice));
  });
  const resent = [...before.keys()];
  for (const part of chunks(resent)) {
    const old = (await em.query(`SELECT orderId, productId, quantity, unitPrice FROM order_lines WHERE orderId IN (${marks(part.length)})`, part)) as { orderId: string; productId: string; quantity: number | string; unitPrice: number | string }[];
    for (const l of old) {
      const o = before.get(l.orderId)!;
      add(Number(o.day), l.productId, o.currency, -Number(l.quantity), -BigInt(Number(l.quantity)) * decimalToCents(l.unitPrice));
    }
  }
  await addProducts(em, engine, deltas);
}

/** Before clearing the buyer of some orders (forget, a shop's redact): their buckets lose those buyers unless other orders keep them. */
export async function rollupOrdersAnonymizing(em: EntityManager, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  const engine = engineOf(em);
  const buyers = (await storedOrders(em, engine, orderIds)).filter((o) => o.customerId !== null);
  if (buyers.length === 0) return;
  const days = buyers.map((o) => Number(o.day));
  await refreshMembers(em, engine, BUYERS, [...new Set(buyers.map((o) => o.customerId!))], Math.min(...days), Math.max(...days), {
    table: 'orders',
    time: 'createdAt',
    exclude: { column: 'id', values: orderIds },
  });
}

// ---------------------------------------------------------------------------------------------
// The reader's statements

/**
 * topProducts over whole days from the rollup (parameters: the first day, the day after the
 * last). `limit` null: every product of the range (to merge with cut days' raw rows).
 */
export const productRollupStatement = (limit: number | null) => `SELECT productId, SUM(quantity) AS quantity FROM stats_day_products
  WHERE day >= ? AND day < ? GROUP BY productId ORDER BY quantity DESC, productId ASC${limit === null ? '' : ` LIMIT ${Math.floor(limit)}`}`;

/** Revenue per currency of `count` products over whole days (parameters: first day, day after the last, the product IDs). */
export const productRollupRevenueStatement = (count: number) => `SELECT productId, currency, SUM(cents) AS cents FROM stats_day_products
  WHERE day >= ? AND day < ? AND productId IN (${marks(count)}) GROUP BY productId, currency`;

const dayColumn = (interval: 'DAY' | 'WEEK' | 'MONTH') => (interval === 'DAY' ? 'day' : interval === 'WEEK' ? 'week' : 'month');

/**
 * storeStats over whole buckets from the rollups: parameters are day numbers, the first bucket's
 * start (inclusive) and the last one's end (exclusive). Buckets come back as day numbers.
 */
export function rollupStatements(interval: 'DAY' | 'WEEK' | 'MONTH') {
  const col = dayColumn(interval);
  const kind = interval[0];
  return {
    orders: `SELECT ${col} AS bucket, currency, SUM(orders) AS orders, SUM(cents) AS cents FROM stats_day_orders
      WHERE day >= ? AND day < ? GROUP BY ${col}, currency HAVING SUM(orders) > 0`,
    customers: `SELECT bucket, COUNT(*) AS n FROM stats_bucket_buyers WHERE kind = '${kind}' AND bucket >= ? AND bucket < ? GROUP BY bucket`,
    visitors: `SELECT bucket, COUNT(*) AS n FROM stats_bucket_visitors WHERE kind = '${kind}' AND bucket >= ? AND bucket < ? GROUP BY bucket`,
    events: `SELECT ${col} AS bucket, type, SUM(events) AS n FROM stats_day_events WHERE day >= ? AND day < ? GROUP BY ${col}, type`,
  };
}
