/**
 * Data for bench/forget.ts, written straight into a store database with multi-row INSERTs
 * (the ingestion API would take minutes for the background set). Everything is deterministic:
 * person `i` of any cohort has the same number of orders, visitors and events as person `i`
 * of every other cohort, so the paths being compared erase exactly the same amount of data.
 */
import type { Connection } from 'mysql2/promise';
import { mulberry32 } from '../src/services/demo/demo-data';
import { pad, randInt, sqlTime } from './bench-support';
import { backfillStatements, ROLLUP_TABLES } from '../src/services/stats/rollups';

/** Deterministic PRNG, shared with the demo data. */
export const rng = mulberry32;


const YEAR_MS = 365 * 86_400_000;
const NOW = Date.now();
const SHOP = 'https://shop.forget-bench.example';
const PRODUCTS = 200;
const productId = (r: () => number) => `p${pad(1 + randInt(r, PRODUCTS), 4)}`;

type Row = (string | number | null)[];

const COLUMNS = {
  customers: ['id', 'email', 'name', 'age', 'gender', 'city', 'attributes', 'createdAt', 'updatedAt'],
  visitors: ['id', 'customerId', 'email', 'firstSeenAt', 'lastSeenAt'],
  orders: ['id', 'customerId', 'email', 'visitorId', 'createdAt', 'currency', 'total', 'anonymized'],
  order_lines: ['orderId', 'productId', 'quantity', 'unitPrice'],
  visit_events: ['visitorId', 'type', 'url', 'productId', 'contentId', 'occurredAt', 'durationSeconds'],
} as const;

type Table = keyof typeof COLUMNS;

/**
 * Buffers rows per table and writes each full buffer as one multi-row INSERT. The session runs
 * without autocommit, so a batch is one commit rather than one per row.
 */
export class BulkWriter {
  private readonly buffers = new Map<Table, Row[]>();
  readonly inserted: Record<Table, number> = { customers: 0, visitors: 0, orders: 0, order_lines: 0, visit_events: 0 };

  constructor(
    private readonly conn: Connection,
    private readonly batchRows = 2000,
  ) {}

  async add(table: Table, row: Row): Promise<void> {
    const buf = this.buffers.get(table) ?? [];
    buf.push(row);
    this.buffers.set(table, buf);
    if (buf.length >= this.batchRows) await this.flushTable(table);
  }

  /** Writes what is buffered and commits. Call before anything reads the data. */
  async flush(): Promise<void> {
    for (const table of Object.keys(COLUMNS) as Table[]) await this.flushTable(table);
  }

  private async flushTable(table: Table): Promise<void> {
    const rows = this.buffers.get(table);
    if (!rows?.length) return;
    this.buffers.set(table, []);
    const cols = COLUMNS[table].map((c) => `\`${c}\``).join(', ');
    // `VALUES ?` with an array of arrays expands client-side to (..),(..): one round trip.
    await this.conn.query(`INSERT INTO \`${table}\` (${cols}) VALUES ?`, [rows]);
    await this.conn.query('COMMIT');
    this.inserted[table] += rows.length;
  }
}

/** A session tuned for loading: the same settings whatever the caller's connection had. */
export async function prepareForLoading(conn: Connection): Promise<void> {
  await conn.query('SET unique_checks = 0, foreign_key_checks = 0, autocommit = 0');
}

export async function finishLoading(conn: Connection): Promise<void> {
  await conn.query('SET unique_checks = 1, foreign_key_checks = 1, autocommit = 1');
  await rebuildRollups(conn);
  // Fresh statistics, as a long-running store has: the optimizer picks indexes from them.
  await conn.query(`ANALYZE TABLE customers, visitors, visit_events, orders, order_lines, ${ROLLUP_TABLES.join(', ')}`);
}

/**
 * storeStats' rollups for rows loaded directly (ingestion would have kept them), built by the
 * StatsRollups migration's own backfill: the store is then what production would hold, and the
 * benches that delete rows pay for keeping the rollups as the gateway does.
 */
export async function rebuildRollups(conn: Connection): Promise<void> {
  for (const table of ROLLUP_TABLES) await conn.query(`DELETE FROM ${table}`);
  for (const sql of backfillStatements('mysql')) await conn.query(sql);
}

// ---------------------------------------------------------------------------------------------
// Background: other people, so every lookup has to go through an index to be fast
// ---------------------------------------------------------------------------------------------

export interface BackgroundSizes {
  customers: number;
  orders: number;
  events: number;
}

/** Every background row carries this prefix in its IDs and e-mails: the final check counts them. */
export const BACKGROUND_PREFIX = 'bg-';
const bgCustomer = (i: number) => `${BACKGROUND_PREFIX}c${pad(i, 6)}`;
const bgEmail = (i: number) => `${BACKGROUND_PREFIX}${i}@bench.example`;
/** Two visitors per background customer: customer k owns visitors 2k and 2k + 1. */
const bgVisitor = (i: number) => `${BACKGROUND_PREFIX}v${pad(i, 7)}`;

export async function seedBackground(w: BulkWriter, s: BackgroundSizes, seed: number): Promise<void> {
  const r = rng(seed ^ 0xb4c6);
  for (let k = 0; k < s.customers; k++) {
    const created = NOW - YEAR_MS - r() * YEAR_MS;
    await w.add('customers', [bgCustomer(k), bgEmail(k), `Background ${k}`, 18 + randInt(r, 60), null, 'Aarhus', null, sqlTime(created), sqlTime(created)]);
    for (const v of [2 * k, 2 * k + 1]) {
      const first = NOW - r() * YEAR_MS;
      await w.add('visitors', [bgVisitor(v), bgCustomer(k), bgEmail(k), sqlTime(first), sqlTime(first + r() * (NOW - first))]);
    }
  }
  for (let i = 0; i < s.orders; i++) {
    const k = randInt(r, s.customers);
    // One in ten is a guest order: only the e-mail (and a visitor) ties it to its buyer.
    const guest = r() < 0.1;
    await addOrder(w, r, `${BACKGROUND_PREFIX}o${pad(i, 7)}`, guest ? null : bgCustomer(k), bgEmail(k), bgVisitor(2 * k + randInt(r, 2)));
  }
  for (let i = 0; i < s.events; i++) await addEvent(w, r, bgVisitor(randInt(r, 2 * s.customers)));
}

/** How many background rows there are, by the prefix; compared before and after the forgets. */
export async function countBackground(conn: Connection): Promise<Record<string, number>> {
  const like = `${BACKGROUND_PREFIX}%`;
  const [rows] = await conn.query(
    `SELECT
       (SELECT COUNT(*) FROM customers WHERE id LIKE ?) AS customers,
       (SELECT COUNT(*) FROM visitors WHERE id LIKE ?) AS visitors,
       (SELECT COUNT(*) FROM orders WHERE id LIKE ? AND anonymized = 0 AND email IS NOT NULL) AS orders,
       (SELECT COUNT(*) FROM visit_events WHERE visitorId LIKE ?) AS visit_events`,
    [like, like, like, like],
  );
  const row = (rows as Record<string, number | string>[])[0];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

// ---------------------------------------------------------------------------------------------
// The people who get forgotten
// ---------------------------------------------------------------------------------------------

export interface PersonPlan {
  id: string;
  email: string;
  orders: number;
  visitors: number;
  events: number;
}

/** The counts forgetCustomer must report for a person seeded from this plan. */
export interface EraseCounts {
  customersDeleted: number;
  ordersAnonymized: number;
  visitorsDeleted: number;
  eventsDeleted: number;
}

export const expectedCounts = (p: PersonPlan): EraseCounts => ({ customersDeleted: 1, ordersAnonymized: p.orders, visitorsDeleted: p.visitors, eventsDeleted: p.events });

/** Canonical (lower-case) like every e-mail the gateway stores: it looks people up byte for byte. */
export const personEmail = (key: string) => `${key}@forget-bench.example`.toLowerCase();

/** The heavy person of scenario A: a long-standing customer with a big history. */
export const heavyPlan = (key: string): PersonPlan => ({ id: `cust-${key}`, email: personEmail(key), orders: 1000, visitors: 10, events: 10_000 });

/**
 * An ordinary customer: 1-3 orders (2 on average), 1-2 visitors, 5-15 events (10 on average).
 * The shape depends on `i` only, not on the cohort, so cohorts are identical in size.
 */
export function ordinaryPlan(cohort: string, i: number): PersonPlan {
  const r = rng(0x0dd + i);
  const key = `${cohort}-${pad(i, 4)}`;
  return { id: `cust-${key}`, email: personEmail(key), orders: 1 + randInt(r, 3), visitors: 1 + randInt(r, 2), events: 5 + randInt(r, 11) };
}

/**
 * One customer row; visitors linked by customer ID and e-mail; events dealt round-robin over
 * the visitors; orders carrying customer ID, e-mail and one of the visitors, 1-3 lines each.
 */
export async function seedPerson(w: BulkWriter, p: PersonPlan, seed: number): Promise<void> {
  const r = rng(seed);
  const created = NOW - YEAR_MS - r() * YEAR_MS;
  await w.add('customers', [p.id, p.email, `Forget Me ${p.id}`, 30 + randInt(r, 40), 'female', 'Vejle', JSON.stringify({ tier: 'gold' }), sqlTime(created), sqlTime(created)]);
  const visitors = Array.from({ length: p.visitors }, (_, v) => `${p.id}-v${pad(v, 2)}`);
  for (const v of visitors) {
    const first = NOW - r() * YEAR_MS;
    await w.add('visitors', [v, p.id, p.email, sqlTime(first), sqlTime(first + r() * (NOW - first))]);
  }
  for (let i = 0; i < p.events; i++) await addEvent(w, r, visitors[i % visitors.length]);
  for (let i = 0; i < p.orders; i++) await addOrder(w, r, `${p.id}-o${pad(i, 4)}`, p.id, p.email, visitors[i % visitors.length]);
}

async function addOrder(w: BulkWriter, r: () => number, id: string, customerId: string | null, email: string, visitorId: string): Promise<void> {
  let cents = 0;
  for (let n = 1 + randInt(r, 3); n > 0; n--) {
    const unit = 499 + randInt(r, 19_500);
    const qty = 1 + randInt(r, 3);
    cents += unit * qty;
    await w.add('order_lines', [id, productId(r), qty, (unit / 100).toFixed(2)]);
  }
  await w.add('orders', [id, customerId, email, visitorId, sqlTime(NOW - r() * YEAR_MS), 'EUR', (cents / 100).toFixed(2), 0]);
}

async function addEvent(w: BulkWriter, r: () => number, visitorId: string): Promise<void> {
  const at = sqlTime(NOW - r() * YEAR_MS);
  const roll = r();
  if (roll < 0.6) await w.add('visit_events', [visitorId, 'PAGE_VIEW', `${SHOP}/products/${productId(r)}`, null, null, at, 1 + randInt(r, 300)]);
  else if (roll < 0.85) await w.add('visit_events', [visitorId, 'CONTENT_VIEW', `${SHOP}/`, null, `rec-${1 + randInt(r, 50)}`, at, null]);
  else await w.add('visit_events', [visitorId, 'CLICK', `${SHOP}/products/${productId(r)}`, productId(r), `rec-${1 + randInt(r, 50)}`, at, null]);
}
