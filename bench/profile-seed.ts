/**
 * The profile bench's data set and its bulk loader: products, customers, visitors, orders with
 * lines and visit events at the volumes of issue 13 (scale 1: 10,000 customers, 100,000 orders,
 * 1,000,000 events), written straight into a store database with multi-row INSERTs (the
 * ingestion API is far too slow for a million rows). Same seed, same data.
 */
import { Connection, createConnection } from 'mysql2/promise';
import type { MysqlServer } from '../src/config';
import { mulberry32 } from '../src/services/demo/demo-data';
import { pad, randInt, sqlTime } from './bench-support';

/** What the loader needs to know besides the sizes. */
export interface SeedOptions {
  batchRows: number;
  /** Parallel connections loading visit_events (the bulk of the rows). */
  eventWorkers: number;
  seed: number;
}

/** Deterministic PRNG: the same seed gives the same data set, run after run. */
export const rng = mulberry32;

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[randInt(r, xs.length)];

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const NOW = Date.now();

// ---------------------------------------------------------------------------------------------
// Data set
// ---------------------------------------------------------------------------------------------

const CATEGORIES = ['Shoes', 'Shirts', 'Trousers', 'Jackets', 'Bags', 'Watches', 'Toys', 'Books', 'Kitchen', 'Garden'];
const CITIES = ['Copenhagen', 'Aarhus', 'Odense', 'Aalborg', 'Berlin', 'Hamburg', 'Oslo', 'Stockholm', 'Malmö', 'Helsinki'];
const GENDERS = ['female', 'male', 'other', null];
export const PRODUCT_COUNT = 200;
const SHOP = 'https://shop.bench.example';

export interface Sizes {
  customers: number;
  visitors: number;
  orders: number;
  events: number;
}

export function sizesFor(scale: number): Sizes {
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  return { customers: n(10_000), visitors: n(20_000), orders: n(100_000), events: n(1_000_000) };
}

const customerId = (i: number) => `c${pad(i + 1, 7)}`;
export const customerEmail = (i: number) => `cust${i + 1}@bench.example`;

/** The profile read every profile bench measures (by e-mail: orders with lines, visitors with their log, preferences). */
export const PROFILE_QUERY = `query Profile($s: ID!, $e: String!) {
  customer(storeId: $s, idOrEmail: $e) {
    id email
    crm { age gender city }
    orders(first: 10) { totalCount edges { node { id total currency lines { productId quantity unitPrice } } } }
    visitors { id log(first: 10) { edges { node { type url occurredAt } } } }
    preferences { topProducts { productId score } topCategories { name score } }
  }
}`;
const visitorId = (i: number) => `v${pad(i + 1, 7)}`;
const productId = (i: number) => `p${pad(i + 1, 4)}`;
/** Products are dealt round-robin into categories: product i is in category i % 10. */
const categoryOfProduct = (i: number) => i % CATEGORIES.length;
const priceCents = (i: number) => 499 + ((i * 3719) % 19_500);
/** Each customer leans to one category, so preferences come out with a clear winner. */
const favouriteCategory = (customer: number) => customer % CATEGORIES.length;

/** A product index: half the time from the customer's favourite category, else any. */
function productFor(r: () => number, customer: number): number {
  if (r() < 0.5) return favouriteCategory(customer) + CATEGORIES.length * randInt(r, PRODUCT_COUNT / CATEGORIES.length);
  return randInt(r, PRODUCT_COUNT);
}

/** Visitor i belongs to customer i % customers; so customer k owns visitors k, k + C, k + 2C, ... */
const customerOfVisitor = (v: number, s: Sizes) => v % s.customers;

interface VisitorPlan {
  firstSeen: number;
  lastSeen: number;
  events: number;
}

/**
 * Per visitor: a time window inside the last 12 months and an event count. Counts vary
 * (0.2x-1.8x the mean) but are corrected so they add up to exactly `sizes.events`.
 */
function planVisitors(s: Sizes, seed: number): VisitorPlan[] {
  const r = rng(seed ^ 0x51c0ffee);
  const weights = Array.from({ length: s.visitors }, () => 0.2 + 1.6 * r());
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.round((w * s.events) / sum)));
  let diff = s.events - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % counts.length) {
    if (diff > 0) (counts[i]++, diff--);
    else if (counts[i] > 1) (counts[i]--, diff++);
    else if (counts.every((c) => c <= 1)) break; // fewer events than visitors: keep one each
  }
  return counts.map((events) => {
    const firstSeen = NOW - r() * YEAR_MS;
    const lastSeen = firstSeen + r() * (NOW - firstSeen);
    return { firstSeen, lastSeen, events };
  });
}

// ---------------------------------------------------------------------------------------------
// Bulk loading
// ---------------------------------------------------------------------------------------------

type Row = (string | number | null)[];

/**
 * Collects rows and writes them as one multi-row INSERT per batch, committed at once. The
 * session runs without autocommit and without unique/foreign-key checks: far fewer log flushes.
 */
class BatchInserter {
  private rows: Row[] = [];
  inserted = 0;
  private readonly sql: string;

  constructor(
    private readonly conn: Connection,
    table: string,
    columns: string[],
    private readonly batchRows: number,
  ) {
    this.sql = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`;
  }

  async add(row: Row): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= this.batchRows) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    // `VALUES ?` with an array of arrays expands to (..),(..) client-side: one round trip.
    await this.conn.query(this.sql, [rows]);
    await this.conn.query('COMMIT');
    this.inserted += rows.length;
  }
}

export interface SeedResult {
  rows: Record<string, number>;
  ms: number;
}

export async function seedStore(server: MysqlServer, database: string, s: Sizes, o: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const open = async () => {
    const c = await createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database, charset: 'utf8mb4' });
    await c.query('SET unique_checks = 0, foreign_key_checks = 0, autocommit = 0');
    return c;
  };
  const plans = planVisitors(s, o.seed);
  const rows: Record<string, number> = {};
  const inserter = (c: Connection, table: string, columns: string[]) => new BatchInserter(c, table, columns, o.batchRows);

  // Catalogue, customers and visitors: small tables, one connection.
  const people = async () => {
    const c = await open();
    try {
      const r = rng(o.seed ^ 0xc0570);
      const products = inserter(c, 'products', ['id', 'name', 'category']);
      for (let i = 0; i < PRODUCT_COUNT; i++) await products.add([productId(i), `Bench product ${i + 1}`, CATEGORIES[categoryOfProduct(i)]]);
      await products.flush();

      const customers = inserter(c, 'customers', ['id', 'email', 'name', 'age', 'gender', 'city', 'attributes', 'createdAt', 'updatedAt']);
      for (let i = 0; i < s.customers; i++) {
        const created = NOW - YEAR_MS - r() * YEAR_MS;
        const updated = created + r() * (NOW - created);
        const attributes = r() < 0.3 ? JSON.stringify({ tier: pick(r, ['bronze', 'silver', 'gold']) }) : null;
        await customers.add([customerId(i), customerEmail(i), `Bench Customer ${i + 1}`, 18 + randInt(r, 63), pick(r, GENDERS), pick(r, CITIES), attributes, sqlTime(created), sqlTime(updated)]);
      }
      await customers.flush();

      const visitors = inserter(c, 'visitors', ['id', 'customerId', 'email', 'firstSeenAt', 'lastSeenAt']);
      for (let v = 0; v < s.visitors; v++) {
        const k = customerOfVisitor(v, s);
        await visitors.add([visitorId(v), customerId(k), customerEmail(k), sqlTime(plans[v].firstSeen), sqlTime(plans[v].lastSeen)]);
      }
      await visitors.flush();
      rows.products = products.inserted;
      rows.customers = customers.inserted;
      rows.visitors = visitors.inserted;
    } finally {
      await c.end();
    }
  };

  // Orders with 1-3 lines each; the total is the lines' sum, in cents to stay exact.
  const orders = async () => {
    const c = await open();
    try {
      const r = rng(o.seed ^ 0x0de5);
      const orderRows = inserter(c, 'orders', ['id', 'customerId', 'email', 'visitorId', 'createdAt', 'currency', 'total', 'anonymized']);
      const lineRows = inserter(c, 'order_lines', ['orderId', 'productId', 'quantity', 'unitPrice']);
      const visitorsPerCustomer = Math.ceil(s.visitors / s.customers);
      for (let i = 0; i < s.orders; i++) {
        const k = randInt(r, s.customers);
        const v = k + s.customers * randInt(r, visitorsPerCustomer);
        const id = `o${pad(i + 1, 8)}`;
        let cents = 0;
        for (let n = 1 + randInt(r, 3); n > 0; n--) {
          const p = productFor(r, k);
          const qty = 1 + randInt(r, 3);
          cents += qty * priceCents(p);
          await lineRows.add([id, productId(p), qty, (priceCents(p) / 100).toFixed(2)]);
        }
        await orderRows.add([id, customerId(k), customerEmail(k), v < s.visitors ? visitorId(v) : null, sqlTime(NOW - r() * YEAR_MS), 'EUR', (cents / 100).toFixed(2), 0]);
      }
      await orderRows.flush();
      await lineRows.flush();
      rows.orders = orderRows.inserted;
      rows.order_lines = lineRows.inserted;
    } finally {
      await c.end();
    }
  };

  // Visit events for visitors [from, to): each visitor's events spread over its window.
  const events = async (from: number, to: number) => {
    const c = await open();
    try {
      const r = rng(o.seed ^ (0xe7e7 + from));
      const out = inserter(c, 'visit_events', ['visitorId', 'type', 'url', 'productId', 'contentId', 'occurredAt', 'durationSeconds']);
      for (let v = from; v < to; v++) {
        const plan = plans[v];
        const k = customerOfVisitor(v, s);
        const times = Array.from({ length: plan.events }, (_, j) =>
          j === 0 ? plan.firstSeen : j === plan.events - 1 ? plan.lastSeen : plan.firstSeen + r() * (plan.lastSeen - plan.firstSeen),
        ).sort((a, b) => a - b);
        for (const t of times) {
          const roll = r();
          if (roll < 0.6) {
            const p = randInt(r, PRODUCT_COUNT);
            await out.add([visitorId(v), 'PAGE_VIEW', `${SHOP}/products/${productId(p)}`, null, null, sqlTime(t), 1 + randInt(r, 300)]);
          } else if (roll < 0.85) {
            await out.add([visitorId(v), 'CONTENT_VIEW', `${SHOP}/`, null, `rec-${1 + randInt(r, 50)}`, sqlTime(t), null]);
          } else {
            const p = productFor(r, k);
            await out.add([visitorId(v), 'CLICK', `${SHOP}/products/${productId(p)}`, productId(p), `rec-${1 + randInt(r, 50)}`, sqlTime(t), null]);
          }
        }
      }
      await out.flush();
      return out.inserted;
    } finally {
      await c.end();
    }
  };

  // Several connections at once: while one waits on the server, another builds its next batch.
  const slices = Array.from({ length: o.eventWorkers }, (_, w) => [Math.floor((s.visitors * w) / o.eventWorkers), Math.floor((s.visitors * (w + 1)) / o.eventWorkers)]);
  const [, , ...eventCounts] = await Promise.all([people(), orders(), ...slices.map(([a, b]) => events(a, b))]);
  rows.visit_events = eventCounts.reduce((a, b) => a + b, 0);
  // Workers finish in any order; report tables in a fixed one.
  const ordered = Object.fromEntries(['products', 'customers', 'visitors', 'orders', 'order_lines', 'visit_events'].map((t) => [t, rows[t]]));
  // Fresh statistics, as a long-running store would have: the optimizer picks indexes from them.
  const c = await open();
  try {
    // The preference tallies the gateway's ingestion would have kept (the same SQL as the
    // PreferenceTallies migration's backfill): rows written behind its back get them here.
    await c.query('DELETE FROM preference_tallies');
    await c.query(
      "INSERT INTO preference_tallies (kind, ownerId, productId, n) SELECT 'v', e.visitorId, e.productId, COUNT(*) FROM visit_events e WHERE e.type = 'CLICK' AND e.productId IS NOT NULL GROUP BY e.visitorId, e.productId",
    );
    await c.query(
      "INSERT INTO preference_tallies (kind, ownerId, productId, n) SELECT 'c', o.customerId, l.productId, SUM(l.quantity) FROM order_lines l INNER JOIN orders o ON o.id = l.orderId WHERE o.customerId IS NOT NULL GROUP BY o.customerId, l.productId",
    );
    await c.query('COMMIT');
    await c.query('ANALYZE TABLE customers, visitors, visit_events, orders, order_lines, products, preference_tallies');
  } finally {
    await c.end();
  }
  return { rows: ordered, ms: performance.now() - started };
}
