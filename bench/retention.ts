/**
 * Retention-purge benchmark on MariaDB/MySQL. Not part of the jest suite; run on demand:
 *
 *   npm run bench:retention -- [--scale 0.1] [--keep] [--chunk 1000] [--seed 1] [--direct-first]
 *
 * It starts an in-process gateway on a throw-away catalog database (`pgwbenchr_<hex>`,
 * RETENTION_INTERVAL=0 so nothing runs on its own), creates a company and two stores through
 * the GraphQL API, and loads each store database directly with mysql2 multi-row INSERTs with
 * the same data: 1,000,000 visit events over the past 14 months across 50,000 visitors of mixed
 * habits (at --scale 1). Before any purge it works out, from the rule in retention-rule.ts and
 * the generated data alone, exactly which events and visitors are past their retention, and
 * checks that a grouped SQL query over the loaded table comes to the same answer.
 *
 *   store A: `services.retention.purge(ctx, storeId, { now, chunkSize })` in-process, as the
 *            schedule runs it (operator context, SCHEDULE_PRINCIPAL), every statement observed;
 *   store B: the same decision as plain SQL through mysql2: one grouped query for every
 *            visitor's history, then `DELETE ... WHERE visitorId IN (...) AND occurredAt < ?
 *            LIMIT <chunk>` loops and a DELETE of the emptied visitors without a customer.
 *
 * After each purge it checks, visitor by visitor, that exactly the expected events and visitors
 * are gone (fails loudly otherwise), and it prints both rates side by side. Every database with
 * the bench prefix and the per-store MySQL users are dropped at the end, also on failure and on
 * Ctrl-C, unless --keep. Results: bench/RETENTION.md.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { Connection, createConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { AfterQueryEvent, DataSource, EntitySubscriberInterface } from 'typeorm';
import type { Gateway } from '../src/app';
import type { Config } from '../src/config';
import { StoreEntity } from '../src/entities/catalog';
import { monthsBefore, RetentionBounds, retentionMonths } from '../src/services/retention/retention-rule';
import { createContext } from '../src/context';
import { SCHEDULE_PRINCIPAL } from '../src/services/retention/retention-schedule';
import { BulkWriter, finishLoading, prepareForLoading, rng } from './forget-seed';
import { benchGatewayConfig, benchOptions, dropBenchDatabases, listenGateway, gql, MYSQL_URL, pad, randInt, SERVER, sleep, sqlTime, storeConnection, table } from './bench-support';
import { catalogOf } from '../test/support/internals';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

interface Options {
  scale: number;
  keep: boolean;
  /** Rows a single DELETE may touch, on both paths (the purge's chunkSize). */
  chunk: number;
  seed: number;
  /** Rows per multi-row INSERT while loading. */
  batchRows: number;
  /** Parallel connections loading visit_events. */
  workers: number;
  /** Longest wait for the server to flush and purge after a load, before a timed section. */
  settleMaxMs: number;
  /** Print the data plan and the expectation, touch no database. */
  planOnly: boolean;
  /** Run the direct path before the gateway's (order effects on a shared machine). */
  directFirst: boolean;
}

function readOptions(): Options {
  const v = benchOptions(
    'Usage: npm run bench:retention -- [options]   (flags override the BENCH_* environment variables)',
    {
      scale: { help: 'data volume factor, 1 = 50k visitors / 1M visit events per store', default: 1, min: 0.0001, integer: false, env: 'BENCH_SCALE', arg: 'f' },
      keep: { help: 'keep the databases (and store users) afterwards', flag: true, env: 'BENCH_KEEP' },
      chunk: { help: 'rows per DELETE on both paths, the purge chunkSize', default: 1000, min: 10 },
      seed: { help: 'data generator seed', default: 1, min: 0, env: 'BENCH_SEED' },
      batch: { help: 'rows per INSERT while loading', default: 5000, min: 1 },
      workers: { help: 'parallel connections loading visit_events', default: 2, min: 1 },
      'settle-max': { help: 'longest wait for InnoDB to settle before each timed purge', default: 90, min: 0, integer: false, arg: 's' },
      'plan-only': { help: 'print the data plan and the expected deletions; no database needed', flag: true },
      'direct-first': { help: "run the direct purge (store B) before the gateway's (store A)", flag: true },
    },
    ['MYSQL_TEST_URL (default mysql://root@127.0.0.1:3306) picks the server.'],
  );
  return { scale: v.scale, keep: v.keep, chunk: v.chunk, seed: v.seed, batchRows: v.batch, workers: v.workers, settleMaxMs: v['settle-max'] * 1000, planOnly: v['plan-only'], directFirst: v['direct-first'] };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const SHOP = 'https://shop.retention-bench.example';
const PRODUCTS = 200;
/** Visitors examined per step by the purge (its default visitorBatch); the direct path uses the same lists. */
const VISITOR_LIST = 500;

const n = (x: number) => x.toLocaleString('en-US');
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load1 = () => loadavg()[0].toFixed(2);
const visitorId = (v: number) => `v${pad(v + 1, 7)}`;
const visitorIndex = (id: string) => Number(id.slice(1)) - 1;
const customerId = (v: number) => `c${pad(v + 1, 7)}`;


// ---------------------------------------------------------------------------------------------
// The data set: visitors of mixed habits over the past 14 months
// ---------------------------------------------------------------------------------------------

const HABITS = ['occasional', 'regular', 'frequent'] as const;
type Habit = 0 | 1 | 2;

/**
 * Per habit: share of visitors, visit days (distinct UTC days), the spread of those days (the
 * window, in days), events per visit day (relative weight) and seconds per page view.
 *   occasional: 1-3 visit days within a few weeks, short page views -> 1-3 months' retention;
 *   regular:    4-23 days over 1-8 months, a few minutes a visit -> mostly 4-9 months (1 when
 *               every visit is over a year old);
 *   frequent:   32-120 days over 5-14 months, long visits -> 8-12 months, mostly 12.
 * With seed 1 at scale 1 that is 47 % of the events expired (--plan-only prints the breakdown).
 */
const HABIT_SHAPE = [
  { share: 0.65, days: [1, 3], window: [1, 45], perDay: [3, 12], secondsPerView: [3, 45] },
  { share: 0.25, days: [4, 23], window: [30, 240], perDay: [1.5, 4], secondsPerView: [10, 150] },
  { share: 0.1, days: [32, 120], window: [150, 10_000], perDay: [0.6, 1.2], secondsPerView: [30, 400] },
] as const;
const LINKED_SHARE = 0.05;

interface DataSet {
  now: number;
  visitors: number;
  habit: Uint8Array;
  /** Visitor linked to a customer (never deleted by the purge, even when emptied). */
  linked: Uint8Array;
  /** Events, in time order (the order they are inserted in, so IDs grow with time as in a live store). */
  events: number;
  evVisitor: Int32Array;
  evTime: Float64Array;
  /** 0 PAGE_VIEW, 1 CONTENT_VIEW, 2 CLICK. */
  evKind: Uint8Array;
  evProduct: Uint16Array;
  evContent: Uint8Array;
  /** Seconds; -1 is NULL (only page views carry a duration). */
  evDuration: Int32Array;
  firstSeen: Float64Array;
  lastSeen: Float64Array;
}

/** Floyd's algorithm: `k` distinct integers in [0, range). */
function distinct(r: () => number, k: number, range: number): number[] {
  const chosen = new Set<number>();
  for (let j = range - k; j < range; j++) {
    const t = randInt(r, j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

function generate(visitors: number, targetEvents: number, seed: number, now: number): DataSet {
  const span0 = Math.ceil(monthsBefore(new Date(now), 14).getTime() / DAY_MS); // first whole UTC day
  const lastDay = Math.floor(now / DAY_MS) - 1; // yesterday: every event is before `now`
  const span = lastDay - span0 + 1;
  const between = (r: () => number, [lo, hi]: readonly [number, number]) => lo + r() * (hi - lo);
  const betweenInt = (r: () => number, [lo, hi]: readonly [number, number]) => lo + randInt(r, hi - lo + 1);

  // 1. Habit, visit days and a weight for the number of events, per visitor.
  const habit = new Uint8Array(visitors);
  const linked = new Uint8Array(visitors);
  const days = new Int32Array(visitors);
  const weight = new Float64Array(visitors);
  const plan = rng(seed ^ 0x7e7e);
  for (let v = 0; v < visitors; v++) {
    const roll = plan();
    const h: Habit = roll < HABIT_SHAPE[0].share ? 0 : roll < HABIT_SHAPE[0].share + HABIT_SHAPE[1].share ? 1 : 2;
    habit[v] = h;
    linked[v] = plan() < LINKED_SHARE ? 1 : 0;
    days[v] = Math.min(span, betweenInt(plan, HABIT_SHAPE[h].days));
    weight[v] = days[v] * between(plan, HABIT_SHAPE[h].perDay);
  }
  // 2. Event counts scaled to add up to exactly `targetEvents`, at least one per visit day.
  const sum = weight.reduce((a, b) => a + b, 0);
  const counts = Int32Array.from(weight, (w, v) => Math.max(days[v], Math.round((w * targetEvents) / sum)));
  let diff = targetEvents - counts.reduce((a, b) => a + b, 0);
  for (let v = 0; diff !== 0; v = (v + 1) % visitors) {
    if (diff > 0) (counts[v]++, diff--);
    else if (counts[v] > days[v]) (counts[v]--, diff++);
    else if (counts.every((c, i) => c <= days[i])) break; // cannot go lower: keep one per visit day
  }
  const events = counts.reduce((a, b) => a + b, 0);

  // 3. Every visitor's events: visit days inside a window, a session per day, times in the session.
  const evVisitor = new Int32Array(events);
  const evTime = new Float64Array(events);
  const evKind = new Uint8Array(events);
  const evProduct = new Uint16Array(events);
  const evContent = new Uint8Array(events);
  const evDuration = new Int32Array(events);
  const firstSeen = new Float64Array(visitors);
  const lastSeen = new Float64Array(visitors);
  let e = 0;
  for (let v = 0; v < visitors; v++) {
    const r = rng((seed * 0x9e3779b1) ^ (v + 1));
    const shape = HABIT_SHAPE[habit[v] as Habit];
    const window = Math.min(span, Math.max(days[v], betweenInt(r, shape.window)));
    const start = span0 + randInt(r, span - window + 1);
    const visitDays = distinct(r, days[v], window).map((d) => start + d);
    const perDay = new Int32Array(visitDays.length).fill(1);
    for (let k = counts[v] - visitDays.length; k > 0; k--) perDay[randInt(r, perDay.length)]++;
    firstSeen[v] = Infinity;
    lastSeen[v] = -Infinity;
    for (const [i, day] of visitDays.entries()) {
      const session = day * DAY_MS + randInt(r, DAY_MS - 3 * 3_600_000);
      for (let k = 0; k < perDay[i]; k++, e++) {
        const t = session + randInt(r, 2 * 3_600_000);
        evVisitor[e] = v;
        evTime[e] = t;
        const roll = r();
        evKind[e] = roll < 0.6 ? 0 : roll < 0.85 ? 1 : 2;
        evProduct[e] = randInt(r, PRODUCTS);
        evContent[e] = 1 + randInt(r, 50);
        evDuration[e] = evKind[e] === 0 ? Math.round(between(r, shape.secondsPerView)) : -1;
        firstSeen[v] = Math.min(firstSeen[v], t);
        lastSeen[v] = Math.max(lastSeen[v], t);
      }
    }
  }

  // 4. Time order, as a live store receives them (IDs then grow with time).
  const order = new Uint32Array(events).map((_, i) => i);
  order.sort((a, b) => evTime[a] - evTime[b]);
  const permute = <T extends Int32Array | Float64Array | Uint8Array | Uint16Array>(xs: T): T => {
    const out = new (xs.constructor as new (len: number) => T)(xs.length);
    for (let i = 0; i < order.length; i++) out[i] = xs[order[i]];
    return out;
  };
  return {
    now,
    visitors,
    habit,
    linked,
    events,
    evVisitor: permute(evVisitor),
    evTime: permute(evTime),
    evKind: permute(evKind),
    evProduct: permute(evProduct),
    evContent: permute(evContent),
    evDuration: permute(evDuration),
    firstSeen,
    lastSeen,
  };
}

// ---------------------------------------------------------------------------------------------
// The expectation, from the rule and the generated data alone
// ---------------------------------------------------------------------------------------------

interface Expectation {
  months: Uint8Array;
  /** Events kept per visitor, and the earliest kept event's time (NaN: none kept). */
  kept: Int32Array;
  firstKept: Float64Array;
  eventsDeleted: number;
  visitorsDeleted: number;
  /** Visitors per retention in months (index 1-12). */
  visitorsByMonths: number[];
  byHabit: { visitors: number; events: number; expired: number; months: number[] }[];
}

/**
 * Same rule as the purge: history = distinct UTC days with events and the sum of durations over
 * [now - 12 months, now]; retention = retentionMonths(history, store bounds); an event expires
 * when it is older than now moved back by that many months.
 */
function expect(d: DataSet, bounds: RetentionBounds): Expectation {
  const since = monthsBefore(new Date(d.now), 12).getTime();
  const dayCount = new Int32Array(d.visitors);
  const lastDayCounted = new Float64Array(d.visitors).fill(-1);
  const seconds = new Float64Array(d.visitors);
  // Events are in time order: a visitor's days come in ascending order, so "new day" is "not the last one counted".
  for (let i = 0; i < d.events; i++) {
    const t = d.evTime[i];
    if (t < since || t > d.now) continue;
    const v = d.evVisitor[i];
    const day = Math.floor(t / DAY_MS);
    if (day !== lastDayCounted[v]) (dayCount[v]++, (lastDayCounted[v] = day));
    if (d.evDuration[i] >= 0) seconds[v] += d.evDuration[i];
  }
  const months = new Uint8Array(d.visitors);
  const cutoff = new Float64Array(d.visitors);
  for (let v = 0; v < d.visitors; v++) {
    months[v] = retentionMonths({ visitDays: dayCount[v], totalSeconds: seconds[v] }, bounds);
    cutoff[v] = monthsBefore(new Date(d.now), months[v]).getTime();
  }
  const kept = new Int32Array(d.visitors);
  const firstKept = new Float64Array(d.visitors).fill(NaN);
  const byHabit = HABITS.map(() => ({ visitors: 0, events: 0, expired: 0, months: [] as number[] }));
  let eventsDeleted = 0;
  for (let i = 0; i < d.events; i++) {
    const v = d.evVisitor[i];
    const h = byHabit[d.habit[v]];
    h.events++;
    if (d.evTime[i] < cutoff[v]) {
      eventsDeleted++;
      h.expired++;
    } else {
      if (kept[v] === 0) firstKept[v] = d.evTime[i];
      kept[v]++;
    }
  }
  let visitorsDeleted = 0;
  const visitorsByMonths = new Array<number>(13).fill(0);
  for (let v = 0; v < d.visitors; v++) {
    if (kept[v] === 0 && !d.linked[v]) visitorsDeleted++;
    visitorsByMonths[months[v]]++;
    byHabit[d.habit[v]].visitors++;
    byHabit[d.habit[v]].months.push(months[v]);
  }
  return { months, kept, firstKept, eventsDeleted, visitorsDeleted, visitorsByMonths, byHabit };
}

function describePlan(d: DataSet, x: Expectation): string {
  const lines = [
    `Data: ${n(d.visitors)} visitors (${n(d.linked.reduce((a, b) => a + b, 0))} linked to a customer), ${n(d.events)} visit events from ${sqlTime(d.evTime[0])} to ${sqlTime(d.evTime[d.events - 1])} UTC; now = ${sqlTime(d.now)}`,
  ];
  for (const [i, h] of x.byHabit.entries()) {
    const sorted = [...h.months].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    lines.push(
      `  ${HABITS[i].padEnd(10)} ${n(h.visitors).padStart(7)} visitors, ${n(h.events).padStart(9)} events, ${pct(h.expired, h.events).padStart(7)} expired; retention months min/median/max ${q(0)}/${q(0.5)}/${q(0.9999)}`,
    );
  }
  lines.push(`  visitors by retention (months 1-12): ${x.visitorsByMonths.slice(1).map(n).join(' / ')}`);
  lines.push(`Expected: ${n(x.eventsDeleted)} events deleted (${pct(x.eventsDeleted, d.events)}), ${n(x.visitorsDeleted)} visitors deleted (emptied, no customer link)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Loading a store
// ---------------------------------------------------------------------------------------------

const KINDS = ['PAGE_VIEW', 'CONTENT_VIEW', 'CLICK'] as const;

async function seedStore(database: string, d: DataSet, o: Options): Promise<{ ms: number; rows: Record<string, number> }> {
  const started = performance.now();
  const open = async () => {
    const c = await storeConnection(database);
    await prepareForLoading(c);
    return c;
  };
  const rows: Record<string, number> = {};
  // Customers (for the linked visitors) and visitors: one connection.
  const people = async () => {
    const c = await open();
    try {
      const w = new BulkWriter(c, o.batchRows);
      for (let v = 0; v < d.visitors; v++) {
        const cid = d.linked[v] ? customerId(v) : null;
        if (cid) await w.add('customers', [cid, null, `Retention Bench ${v + 1}`, null, null, null, null, sqlTime(d.firstSeen[v]), sqlTime(d.firstSeen[v])]);
        await w.add('visitors', [visitorId(v), cid, null, sqlTime(d.firstSeen[v]), sqlTime(d.lastSeen[v])]);
      }
      await w.flush();
      rows.customers = w.inserted.customers;
      rows.visitors = w.inserted.visitors;
    } finally {
      await c.end();
    }
  };
  // Events in time order, batch k on worker k mod W: the IDs grow (nearly) with time.
  const batches = Math.ceil(d.events / o.batchRows);
  const events = async (worker: number) => {
    const c = await open();
    try {
      const w = new BulkWriter(c, o.batchRows + 1);
      for (let b = worker; b < batches; b += o.workers) {
        for (let i = b * o.batchRows; i < Math.min(d.events, (b + 1) * o.batchRows); i++) {
          const kind = d.evKind[i];
          const product = `p${pad(d.evProduct[i] + 1, 4)}`;
          await w.add('visit_events', [
            visitorId(d.evVisitor[i]),
            KINDS[kind],
            kind === 1 ? `${SHOP}/` : `${SHOP}/products/${product}`,
            kind === 2 ? product : null,
            kind === 0 ? null : `rec-${d.evContent[i]}`,
            sqlTime(d.evTime[i]),
            d.evDuration[i] < 0 ? null : d.evDuration[i],
          ]);
        }
        await w.flush();
      }
      return w.inserted.visit_events;
    } finally {
      await c.end();
    }
  };
  const [, ...eventCounts] = await Promise.all([people(), ...Array.from({ length: o.workers }, (_, w) => events(w))]);
  rows.visit_events = eventCounts.reduce((a, b) => a + b, 0);
  const c = await open();
  try {
    await finishLoading(c); // autocommit back on, ANALYZE TABLE
  } finally {
    await c.end();
  }
  return { ms: performance.now() - started, rows };
}

/**
 * The expectation again, from the loaded table in SQL: per visitor the history over the past
 * year and the number of events older than each of the twelve possible cutoffs, in one grouped
 * scan. Fails unless every visitor's retention and expired count match the generated plan.
 */
async function checkLoaded(c: Connection, d: DataSet, x: Expectation, bounds: RetentionBounds, label: string): Promise<void> {
  const now = new Date(d.now);
  const since = sqlTime(monthsBefore(now, 12).getTime());
  const cutoffs = Array.from({ length: 12 }, (_, m) => sqlTime(monthsBefore(now, m + 1).getTime()));
  const [rows] = await c.query<RowDataPacket[]>(
    `SELECT visitorId,
            COUNT(DISTINCT CASE WHEN occurredAt >= ? AND occurredAt <= ? THEN DATE(occurredAt) END) AS days,
            SUM(CASE WHEN occurredAt >= ? AND occurredAt <= ? THEN durationSeconds END) AS secs,
            COUNT(*) AS total,
            ${cutoffs.map((_, m) => `SUM(occurredAt < ?) AS e${m + 1}`).join(', ')}
       FROM visit_events GROUP BY visitorId`,
    [since, sqlTime(d.now), since, sqlTime(d.now), ...cutoffs],
  );
  const [visitors] = await c.query<RowDataPacket[]>('SELECT id, customerId FROM visitors');
  let events = 0;
  let expired = 0;
  let emptied = 0;
  const seen = new Set<string>();
  for (const r of rows) {
    const v = visitorIndex(r.visitorId as string);
    const months = retentionMonths({ visitDays: Number(r.days), totalSeconds: Number(r.secs ?? 0) }, bounds);
    const gone = Number(r[`e${months}`]);
    const total = Number(r.total);
    if (months !== x.months[v] || total - gone !== x.kept[v]) {
      throw new Error(`${label}: visitor ${r.visitorId} has ${months} months' retention and ${total - gone} events to keep in SQL, ${x.months[v]} and ${x.kept[v]} in the plan`);
    }
    events += total;
    expired += gone;
    if (gone === total) seen.add(r.visitorId as string);
  }
  for (const v of visitors) if (v.customerId === null && seen.has(v.id as string)) emptied++;
  if (events !== d.events || visitors.length !== d.visitors || expired !== x.eventsDeleted || emptied !== x.visitorsDeleted) {
    throw new Error(`${label}: SQL finds ${events} events / ${visitors.length} visitors, ${expired} expired / ${emptied} to delete; the plan says ${d.events} / ${d.visitors}, ${x.eventsDeleted} / ${x.visitorsDeleted}`);
  }
}

/** After a purge: exactly the expected events (count and earliest time per visitor) and visitors are left. */
async function checkPurged(c: Connection, d: DataSet, x: Expectation, label: string): Promise<void> {
  const [rows] = await c.query<RowDataPacket[]>(
    "SELECT visitorId, COUNT(*) AS n, TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', MIN(occurredAt)) AS firstUs FROM visit_events GROUP BY visitorId",
  );
  const kept = new Int32Array(d.visitors);
  for (const r of rows) {
    const v = visitorIndex(r.visitorId as string);
    kept[v] = Number(r.n);
    if (Number(r.firstUs) / 1000 !== x.firstKept[v]) {
      throw new Error(`${label}: visitor ${r.visitorId}'s earliest event left is ${sqlTime(Number(r.firstUs) / 1000)}, expected ${Number.isNaN(x.firstKept[v]) ? 'none' : sqlTime(x.firstKept[v])}`);
    }
  }
  for (let v = 0; v < d.visitors; v++) {
    if (kept[v] !== x.kept[v]) throw new Error(`${label}: visitor ${visitorId(v)} has ${kept[v]} events left, expected ${x.kept[v]}`);
  }
  const [visitors] = await c.query<RowDataPacket[]>('SELECT id FROM visitors');
  const left = new Set(visitors.map((r) => r.id as string));
  for (let v = 0; v < d.visitors; v++) {
    const shouldStay = d.linked[v] === 1 || x.kept[v] > 0;
    if (left.has(visitorId(v)) !== shouldStay) throw new Error(`${label}: visitor ${visitorId(v)} ${shouldStay ? 'was deleted' : 'is still there'}`);
  }
}

/**
 * How the server means to run each path's statements (EXPLAIN, on the freshly loaded store):
 * the history query and the ID lookup of the purge's first step, and the direct path's first
 * DELETE, each with the visitor list it starts with and the 1-month cutoff.
 */
async function explainPlans(c: Connection, d: DataSet, x: Expectation, chunk: number, path: 'gateway' | 'direct'): Promise<string[]> {
  const now = new Date(d.now);
  const oneMonth = (v: number) => x.months[v] === 1;
  const firstBatch = Array.from({ length: Math.min(VISITOR_LIST, d.visitors) }, (_, v) => v);
  const statements: [string, string, unknown[]][] =
    path === 'gateway'
      ? [
          [
            'history',
            'SELECT visitorId, COUNT(DISTINCT DATE(occurredAt)), SUM(durationSeconds) FROM visit_events WHERE visitorId IN (?) AND occurredAt >= ? AND occurredAt <= ? GROUP BY visitorId',
            [firstBatch.map(visitorId), sqlTime(monthsBefore(now, 12).getTime()), sqlTime(d.now)],
          ],
          ['ids to delete', 'SELECT id FROM visit_events WHERE visitorId IN (?) AND occurredAt < ? LIMIT ?', [firstBatch.filter(oneMonth).map(visitorId), sqlTime(monthsBefore(now, 1).getTime()), chunk]],
        ]
      : [
          [
            'DELETE',
            'DELETE FROM visit_events WHERE visitorId IN (?) AND occurredAt < ? LIMIT ?',
            [
              Array.from({ length: d.visitors }, (_, v) => v)
                .filter(oneMonth)
                .slice(0, VISITOR_LIST)
                .map(visitorId),
              sqlTime(monthsBefore(now, 1).getTime()),
              chunk,
            ],
          ],
        ];
  const out: string[] = [];
  for (const [label, sql, params] of statements) {
    const [rows] = await c.query<RowDataPacket[]>(`EXPLAIN ${sql}`, params);
    out.push(`${label}: ${rows.map((r) => `${r.table} ${r.type} key=${r.key ?? '-'} rows~${r.rows} ${r.Extra ?? ''}`.trim()).join('; ')}`);
  }
  return out;
}

/**
 * Waits (up to `maxMs`) until the server has caught up with the last load or purge: InnoDB's
 * history list (undo still to purge) under 1,000, and dirty pages under 1,000 or no longer
 * going down (an idle page cleaner may leave a few thousand for good), so the next timed
 * section does not pay for the previous one's background work. Returns what it saw.
 */
async function settle(c: Connection, maxMs: number): Promise<string> {
  const started = performance.now();
  let history = NaN;
  let dirty = NaN;
  for (;;) {
    const before = dirty;
    const [[status]] = await c.query<RowDataPacket[]>('SHOW ENGINE INNODB STATUS');
    history = Number(/History list length (\d+)/.exec(String(status.Status))?.[1] ?? NaN);
    const [[d]] = await c.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    dirty = Number(d.Value);
    if ((history < 1000 && (dirty < 1000 || dirty >= before)) || performance.now() - started >= maxMs) break;
    await sleep(1000);
  }
  return `settled ${secs(performance.now() - started)} (history list ${n(history)}, dirty pages ${n(dirty)}; load ${load1()})`;
}

// ---------------------------------------------------------------------------------------------
// Statement accounting
// ---------------------------------------------------------------------------------------------

/**
 * Per statement shape (verb, first table, grouped / NOT EXISTS): count and client-side time;
 * for DELETEs, per table, the rows each touched.
 */
class Statements {
  count = 0;
  ms = new Map<string, number>();
  byKind = new Map<string, number>();
  deletes = new Map<string, { statements: number; rows: number; maxRows: number }>();

  record(sql: string, ms: number, affected: number | undefined): void {
    const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
    const table = /\b(?:FROM|INTO|UPDATE)\s+`?(\w+)`?/i.exec(sql)?.[1];
    const kind = [verb, table, /\bGROUP BY\b/i.test(sql) ? '(grouped)' : '', /\bNOT EXISTS\b/i.test(sql) ? '(NOT EXISTS)' : ''].filter(Boolean).join(' ');
    this.count++;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    this.ms.set(kind, (this.ms.get(kind) ?? 0) + ms);
    if (verb === 'DELETE') {
      const t = this.deletes.get(table ?? '?') ?? { statements: 0, rows: 0, maxRows: 0 };
      const rows = affected ?? NaN;
      t.statements++;
      t.rows += rows;
      t.maxRows = Math.max(t.maxRows, rows);
      this.deletes.set(table ?? '?', t);
    }
  }

  kinds(): string {
    return [...this.byKind].map(([k, c]) => `${k} ${n(c)} (${secs(this.ms.get(k) ?? 0)})`).join(', ');
  }
}

/**
 * A TypeORM subscriber seeing every statement a DataSource runs, with the driver's raw result
 * (mysql2's ResultSetHeader, so `affectedRows` as the server reported it) and its time.
 */
function observe(ds: DataSource, into: Statements): () => void {
  const subscriber: EntitySubscriberInterface = {
    afterQuery(e: AfterQueryEvent) {
      if (!e.success) return;
      const raw = e.rawResults as { affectedRows?: number } | undefined;
      into.record(e.query, e.executionTime ?? 0, typeof raw?.affectedRows === 'number' ? raw.affectedRows : undefined);
    },
  };
  ds.subscribers.push(subscriber);
  return () => {
    const i = ds.subscribers.indexOf(subscriber);
    if (i >= 0) ds.subscribers.splice(i, 1);
  };
}

interface PurgeResult {
  path: string;
  ms: number;
  eventsDeleted: number;
  visitorsDeleted: number;
  store: Statements;
  catalog: Statements | null;
  cpuMs: number;
  /** Time spent working out the cutoffs (history queries), where it can be told apart. */
  phases: string;
  /** Innodb_buffer_pool_reads over the run: pages read from disk, server-wide (other work on the server included). */
  diskReads: number;
}

/** Pages InnoDB has read from disk since the server started (all databases). */
async function poolReads(admin: Connection): Promise<number> {
  const [[r]] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'");
  return Number(r.Value);
}

// ---------------------------------------------------------------------------------------------
// The two purges
// ---------------------------------------------------------------------------------------------

async function purgeViaGateway(gw: Gateway, storeId: string, d: DataSet, chunk: number, admin: Connection): Promise<PurgeResult> {
  const ctx = createContext(gw.services, SCHEDULE_PRINCIPAL);
  // Open the store's DataSource first (untimed), as a long-running gateway has it open.
  const em = await gw.services.tenancy.storeManager(ctx, storeId);
  const store = new Statements();
  const catalog = new Statements();
  const unobserve = [observe(em.connection, store), observe(catalogOf(gw.services), catalog)];
  let lastReport = performance.now();
  const readsBefore = await poolReads(admin);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const totals = await gw.services.retention.purge(ctx, storeId, {
      now: new Date(d.now),
      chunkSize: chunk,
      onProgress: (run, cursor) => {
        if (performance.now() - lastReport < 10_000) return;
        lastReport = performance.now();
        const done = visitorIndex(cursor) + 1;
        console.log(`  ... ${secs(lastReport - started)}: ${n(done)} / ${n(d.visitors)} visitors examined, ${n(run.eventsDeleted)} events and ${n(run.visitorsDeleted)} visitors deleted (load ${load1()})`);
      },
    });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const diskReads = (await poolReads(admin)) - readsBefore;
    const status = totals.runs.map((r) => r.status).join(',');
    if (status !== 'COMPLETED') throw new Error(`gateway purge ended ${status}`);
    return {
      path: 'gateway RetentionService.purge',
      ms,
      eventsDeleted: totals.eventsDeleted,
      visitorsDeleted: totals.visitorsDeleted,
      store,
      catalog,
      cpuMs: (used.user + used.system) / 1000,
      phases: '',
      diskReads,
    };
  } finally {
    for (const u of unobserve) u();
  }
}

/**
 * The same decision as plain SQL over one mysql2 connection: every visitor's history in one
 * grouped query, the retention rule in TS, then per retention (one cutoff) and per list of 500
 * visitors `DELETE ... LIMIT chunk` until a statement deletes fewer than `chunk`, and the
 * visitors of the list left without events and without a customer.
 */
async function purgeDirect(c: Connection, d: DataSet, bounds: RetentionBounds, chunk: number, admin: Connection): Promise<PurgeResult> {
  const stats = new Statements();
  const exec = async <T extends RowDataPacket[] | ResultSetHeader>(sql: string, params: unknown[] = []): Promise<T> => {
    const t0 = performance.now();
    const [res] = await c.query<T>(sql, params);
    stats.record(sql, performance.now() - t0, (res as ResultSetHeader).affectedRows);
    return res;
  };
  const now = new Date(d.now);
  const readsBefore = await poolReads(admin);
  const cpu = process.cpuUsage();
  const started = performance.now();

  const visitors = await exec<RowDataPacket[]>('SELECT id FROM visitors ORDER BY id');
  const history = await exec<RowDataPacket[]>(
    'SELECT visitorId, COUNT(DISTINCT DATE(occurredAt)) AS days, SUM(durationSeconds) AS secs FROM visit_events WHERE occurredAt >= ? AND occurredAt <= ? GROUP BY visitorId',
    [sqlTime(monthsBefore(now, 12).getTime()), sqlTime(d.now)],
  );
  const past = new Map(history.map((r) => [r.visitorId as string, { visitDays: Number(r.days), totalSeconds: Number(r.secs ?? 0) }]));
  const byMonths = new Map<number, string[]>();
  for (const { id } of visitors) {
    const months = retentionMonths(past.get(id) ?? { visitDays: 0, totalSeconds: 0 }, bounds);
    const group = byMonths.get(months) ?? [];
    group.push(id);
    byMonths.set(months, group);
  }
  const cutoffMs = performance.now() - started;
  const readsAfterCutoffs = await poolReads(admin); // one round trip, inside the timed section

  let eventsDeleted = 0;
  let visitorsDeleted = 0;
  for (const [months, ids] of [...byMonths].sort((a, b) => a[0] - b[0])) {
    const cutoff = sqlTime(monthsBefore(now, months).getTime());
    for (let i = 0; i < ids.length; i += VISITOR_LIST) {
      const list = ids.slice(i, i + VISITOR_LIST);
      for (;;) {
        const r = await exec<ResultSetHeader>('DELETE FROM visit_events WHERE visitorId IN (?) AND occurredAt < ? LIMIT ?', [list, cutoff, chunk]);
        eventsDeleted += r.affectedRows;
        if (r.affectedRows < chunk) break;
      }
      for (;;) {
        const r = await exec<ResultSetHeader>(
          'DELETE FROM visitors WHERE id IN (?) AND customerId IS NULL AND NOT EXISTS (SELECT 1 FROM visit_events e WHERE e.visitorId = visitors.id) LIMIT ?',
          [list, chunk],
        );
        visitorsDeleted += r.affectedRows;
        if (r.affectedRows < chunk) break;
      }
    }
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const readsAfter = await poolReads(admin);
  return {
    path: 'direct mysql2 chunked DELETE',
    ms,
    eventsDeleted,
    visitorsDeleted,
    store: stats,
    catalog: null,
    cpuMs: (used.user + used.system) / 1000,
    phases: `cutoffs (2 SELECTs over the whole store) ${secs(cutoffMs)} and ${n(readsAfterCutoffs - readsBefore)} pages read from disk, deletes ${secs(ms - cutoffMs)} and ${n(readsAfter - readsAfterCutoffs)} pages`,
    diskReads: readsAfter - readsBefore,
  };
}

function verdict(r: PurgeResult, x: Expectation): void {
  if (r.eventsDeleted !== x.eventsDeleted || r.visitorsDeleted !== x.visitorsDeleted) {
    throw new Error(`${r.path} deleted ${n(r.eventsDeleted)} events and ${n(r.visitorsDeleted)} visitors; expected ${n(x.eventsDeleted)} and ${n(x.visitorsDeleted)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------



/** Drops the catalog and every store database (they share its name as prefix) and each store's MySQL user. */

/** Set on Ctrl-C; the SIGINT handler then owns the cleanup and the exit code. */
let interrupted = false;

async function main(): Promise<void> {
  const o = readOptions();
  const visitors = Math.max(10, Math.round(50_000 * o.scale));
  const targetEvents = Math.max(visitors * 2, Math.round(1_000_000 * o.scale));
  const loadAtStart = load1();

  // The data and the expectation come first: they need no database, and `now` is fixed here.
  let t0 = performance.now();
  const now = Date.now();
  const data = generate(visitors, targetEvents, o.seed, now);
  const expectation = expect(data, { minMonths: 1, maxMonths: 12 });
  console.log(`Generated in ${secs(performance.now() - t0)} (seed ${o.seed}, scale ${o.scale})`);
  console.log(describePlan(data, expectation));
  if (o.planOnly) return;

  const catalogDb = `pgwbenchr_${randomBytes(4).toString('hex')}`;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  let gateway: Gateway | null = null;
  let config: Config | null = null;
  const connections: Connection[] = [];
  let cleaned = false;
  const cleanup = async (stopGateway: boolean) => {
    if (cleaned) return;
    cleaned = true;
    for (const c of connections) await c.end().catch(() => undefined);
    if (gateway && stopGateway) await gateway.stop().catch((e: unknown) => console.error('stopping the gateway failed:', e));
    if (o.keep) {
      console.log(`\n--keep: databases ${catalogDb} and ${catalogDb}_s_* (and their users) are left in place.`);
      return;
    }
    try {
      const dropped = await dropBenchDatabases(catalogDb, config);
      console.log(`\nDropped ${dropped.length} database(s) and their store users: ${dropped.join(', ') || '(none)'}`);
    } catch (err) {
      // Reported, not thrown: the error that got us here matters more.
      console.error(`\nDropping ${catalogDb}* failed (drop them and their pgw_* users by hand):`, err);
      process.exitCode = 1;
    }
  };
  // As in bench/profile.ts: `on`, not `once`, and no gateway.stop() from the handler (Apollo
  // may be stopping itself; a second stop never resolves); the process exits right after.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}; dropping the bench databases...`);
      cleanup(false).finally(() => process.exit(130));
    });
  }

  try {
    console.log(`\nBench catalog database: ${catalogDb} on ${MYSQL_URL.replace(/\/\/[^@]*@/, '//')}`);
    // No scheduled purge: the bench runs the one it times.
    config = benchGatewayConfig(catalogDb, adminKey, { RETENTION_INTERVAL: '0' });
    const started = await listenGateway(config);
    gateway = started.gateway;
    const gw = started.gateway;
    const url = started.url;

    // Tenant and stores through the API, as an operator sets them up.
    const companyId = (await gql(url, adminKey, 'mutation($n:String!){ createCompany(name:$n){ id } }', { n: 'Retention Bench' })).createCompany.id as string;
    const createStore = async (name: string) => (await gql(url, adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n){ id } }', { c: companyId, n: name })).createStore.id as string;
    const storeIds = [await createStore('Retention Bench A'), await createStore('Retention Bench B')];
    const stores = await catalogOf(gw.services).getRepository(StoreEntity).findBy(storeIds.map((id) => ({ id })));
    const [storeA, storeB] = storeIds.map((id) => stores.find((s) => s.id === id)!);
    for (const s of [storeA, storeB]) {
      if (s.retentionMinMonths !== 1 || s.retentionMaxMonths !== 12) throw new Error(`store ${s.id} has retention bounds ${s.retentionMinMonths}-${s.retentionMaxMonths}, the bench expects the default 1-12`);
    }
    const bounds: RetentionBounds = { minMonths: storeA.retentionMinMonths, maxMonths: storeA.retentionMaxMonths };

    const admin = await createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password });
    connections.push(admin);
    const [[info]] = await admin.query<RowDataPacket[]>('SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS flush, @@innodb_buffer_pool_size AS pool');
    const env = `${availableParallelism()} cores shared with other work, Node ${process.version}, ${info.v}, innodb_flush_log_at_trx_commit=${info.flush}, buffer pool ${Math.round(Number(info.pool) / 1048576)} MiB`;
    console.log(env);

    const prepare = async (store: StoreEntity, label: string, path: 'gateway' | 'direct') => {
      t0 = performance.now();
      const seeded = await seedStore(store.databaseName, data, o);
      const total = Object.values(seeded.rows).reduce((a, b) => a + b, 0);
      console.log(`Store ${label} (${store.databaseName}): loaded ${n(total)} rows in ${secs(seeded.ms)} (${Object.entries(seeded.rows).map(([t, c]) => `${t} ${n(c)}`).join(', ')})`);
      const c = await storeConnection(store.databaseName);
      connections.push(c);
      t0 = performance.now();
      await checkLoaded(c, data, expectation, bounds, `store ${label}`);
      console.log(`  SQL over the loaded table agrees with the plan, visitor by visitor (${secs(performance.now() - t0)}): ${n(expectation.eventsDeleted)} events and ${n(expectation.visitorsDeleted)} visitors to delete`);
      for (const line of await explainPlans(c, data, expectation, o.chunk, path)) console.log(`  EXPLAIN ${line}`);
      console.log(`  ${await settle(admin, o.settleMaxMs)}`);
      return c;
    };

    // ---- A: the gateway's purge ------------------------------------------------------------
    let loadBeforeA = '';
    const runGateway = async () => {
      console.log('');
      const connA = await prepare(storeA, 'A', 'gateway');
      loadBeforeA = load1();
      console.log(`Gateway purge of store A (chunkSize ${o.chunk}, now = ${sqlTime(data.now)})...`);
      const r = await purgeViaGateway(gw, storeA.id, data, o.chunk, admin);
      console.log(`  ${secs(r.ms)}: ${n(r.eventsDeleted)} events, ${n(r.visitorsDeleted)} visitors deleted`);
      verdict(r, expectation);
      await checkPurged(connA, data, expectation, 'store A after the gateway purge');
      console.log('  checked: exactly the expected events (count and earliest per visitor) and visitors are left');
      return r;
    };

    // ---- B: the same decision as plain chunked DELETEs -------------------------------------
    let loadBeforeB = '';
    const runDirect = async () => {
      console.log('');
      const connB = await prepare(storeB, 'B', 'direct');
      loadBeforeB = load1();
      console.log(`Direct mysql2 purge of store B (LIMIT ${o.chunk})...`);
      const direct = await storeConnection(storeB.databaseName);
      connections.push(direct);
      const r = await purgeDirect(direct, data, bounds, o.chunk, admin);
      console.log(`  ${secs(r.ms)}: ${n(r.eventsDeleted)} events, ${n(r.visitorsDeleted)} visitors deleted`);
      verdict(r, expectation);
      await checkPurged(connB, data, expectation, 'store B after the direct purge');
      console.log('  checked: exactly the expected events (count and earliest per visitor) and visitors are left');
      return r;
    };

    // Each store is loaded right before its own purge, so both start from the same state.
    let a: PurgeResult;
    let b: PurgeResult;
    if (o.directFirst) {
      b = await runDirect();
      a = await runGateway();
    } else {
      a = await runGateway();
      b = await runDirect();
    }
    printSummary(o, env, data, expectation, [a, b], { start: loadAtStart, a: loadBeforeA, b: loadBeforeB });
  } finally {
    await cleanup(true);
  }
}

function printSummary(o: Options, env: string, d: DataSet, x: Expectation, results: PurgeResult[], load: { start: string; a: string; b: string }): void {
  const [a, b] = results;
  const rate = (r: PurgeResult) => r.eventsDeleted / (r.ms / 1000);
  const del = (r: PurgeResult, t: string) => r.store.deletes.get(t) ?? { statements: 0, rows: 0, maxRows: 0 };
  console.log('\n=== Summary ===');
  console.log(env);
  console.log(`Load average (1 min): ${load.start} at start, ${load.a} before the gateway purge, ${load.b} before the direct one, ${load1()} at the end (${o.directFirst ? 'direct' : 'gateway'} ran first)`);
  console.log(`Per store: ${n(d.visitors)} visitors, ${n(d.events)} visit events over 14 months; expected and deleted: ${n(x.eventsDeleted)} events (${pct(x.eventsDeleted, d.events)}), ${n(x.visitorsDeleted)} visitors. Chunk ${o.chunk}.\n`);
  console.log(
    table([
      ['path', 'time', 'events/s', 'events', 'visitors', 'DELETEs events / visitors', 'max rows per DELETE events / visitors', 'store stmts', 'catalog stmts', 'node CPU', 'pages read from disk'],
      ...results.map((r) => [
        r.path,
        secs(r.ms),
        n(Math.round(rate(r))),
        n(r.eventsDeleted),
        n(r.visitorsDeleted),
        `${n(del(r, 'visit_events').statements)} / ${n(del(r, 'visitors').statements)}`,
        `${n(del(r, 'visit_events').maxRows)} / ${n(del(r, 'visitors').maxRows)}`,
        n(r.store.count),
        r.catalog ? n(r.catalog.count) : '0',
        secs(r.cpuMs),
        n(r.diskReads),
      ]),
    ]),
  );
  console.log(`\nRatio gateway / direct: time ${(a.ms / b.ms).toFixed(2)}x (direct is ${(rate(b) / rate(a)).toFixed(2)}x the gateway's events/s).`);
  console.log('Pages read from disk: Innodb_buffer_pool_reads over the run, server-wide (other work on the server counts too).');
  for (const r of results) {
    console.log(`${r.path}: store statements by kind (client-side time) ${r.store.kinds()}${r.catalog ? `; catalog ${r.catalog.kinds()}` : ''}${r.phases ? `; ${r.phases}` : ''}`);
  }
  console.log(
    `Rows per DELETE are the server's affectedRows for every DELETE the gateway ran on the store (a TypeORM afterQuery subscriber on its DataSource); ` +
      `the largest was ${n(Math.max(del(a, 'visit_events').maxRows, del(a, 'visitors').maxRows))} (chunk ${o.chunk}, visitor step ${VISITOR_LIST}). ` +
      `By construction the purge deletes events by lists of IDs it read with LIMIT chunk, and emptied visitors by lists of at most chunk IDs (since 229234f; before, one DELETE per step of up to ${VISITOR_LIST}).`,
  );
  const maxA = Math.max(del(a, 'visit_events').maxRows, del(a, 'visitors').maxRows);
  if (!(maxA <= o.chunk)) {
    console.error(`FAIL: a gateway DELETE touched ${maxA} rows, more than the chunk of ${o.chunk}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  // After Ctrl-C the half-done run fails on the dropped databases: not worth a stack trace.
  if (interrupted) return;
  console.error('bench failed:', err);
  process.exitCode = 1;
});
