/**
 * Profile-read benchmark on MariaDB/MySQL. Not part of the jest suite; run on demand:
 *
 *   npm run bench:profile -- [--scale 0.1] [--keep] [--concurrency 8] [--duration 10] [--requests 2000]
 *
 * It starts an in-process gateway on a throw-away catalog database (`pgwbench_<hex>`), creates a
 * company, a store and an all-scope key through the GraphQL API, bulk-loads the store database
 * directly with multi-row INSERTs (the ingestion API is far too slow for a million rows), then
 * drives two read queries over HTTP at a fixed concurrency and prints throughput and latency.
 * Every database with the bench prefix (and the store's MySQL user) is dropped at the end, even
 * on failure or Ctrl-C, unless --keep. Results and how to read them: bench/README.md.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Connection, createConnection } from 'mysql2/promise';
import { createGateway, Gateway } from '../src/app';
import { Config, loadConfig, MysqlServer } from '../src/config';
import { createLogger } from '../src/logging';
import { mulberry32 } from '../src/services/demo/demo-data';
import { dropBenchDatabases, MYSQL_URL, numberOption, pad, percentile, randInt, sqlTime } from './bench-support';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

interface Options {
  scale: number;
  keep: boolean;
  concurrency: number;
  durationS: number;
  maxRequests: number;
  warmup: number;
  batchRows: number;
  /** Parallel connections loading visit_events (the bulk of the rows). */
  eventWorkers: number;
  seed: number;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      keep: { type: 'boolean' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      requests: { type: 'string' },
      warmup: { type: 'string' },
      batch: { type: 'string' },
      'event-workers': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      [
        'Usage: npm run bench:profile -- [options]   (flags override the BENCH_* environment variables)',
        '  --scale <f>          data volume factor, 1 = 10k customers/100k orders/1M events (BENCH_SCALE)',
        '  --keep               keep the databases afterwards (BENCH_KEEP=1)',
        '  --concurrency <n>    requests in flight (BENCH_CONCURRENCY, default 8)',
        '  --duration <s>       measuring time per query (BENCH_DURATION, default 10)',
        '  --requests <n>       request cap per query (BENCH_REQUESTS, default 2000)',
        '  --warmup <n>         unmeasured requests per query first (BENCH_WARMUP, default 200)',
        '  --batch <n>          rows per INSERT (BENCH_BATCH, default 5000)',
        '  --event-workers <n>  parallel connections loading visit_events (BENCH_EVENT_WORKERS, default 2)',
        '  --seed <n>           data generator seed (BENCH_SEED, default 1)',
        'MYSQL_TEST_URL (default mysql://root@127.0.0.1:3306) picks the server.',
      ].join('\n'),
    );
    process.exit(0);
  }
  const env = process.env;
  const num = (flag: string | undefined, envValue: string | undefined, dflt: number, name: string, min: number) => numberOption(flag ?? envValue, dflt, name, min);
  return {
    scale: num(values.scale, env.BENCH_SCALE, 1, 'scale', 0.0001),
    keep: values.keep ?? ['1', 'true', 'yes'].includes(env.BENCH_KEEP ?? ''),
    concurrency: Math.floor(num(values.concurrency, env.BENCH_CONCURRENCY, 8, 'concurrency', 1)),
    durationS: num(values.duration, env.BENCH_DURATION, 10, 'duration', 0.1),
    maxRequests: Math.floor(num(values.requests, env.BENCH_REQUESTS, 2000, 'requests', 1)),
    warmup: Math.floor(num(values.warmup, env.BENCH_WARMUP, 200, 'warmup', 0)),
    batchRows: Math.floor(num(values.batch, env.BENCH_BATCH, 5000, 'batch', 1)),
    eventWorkers: Math.floor(num(values['event-workers'], env.BENCH_EVENT_WORKERS, 2, 'event-workers', 1)),
    seed: Math.floor(num(values.seed, env.BENCH_SEED, 1, 'seed', 0)),
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Deterministic PRNG: the same seed gives the same data set, run after run. */
const rng = mulberry32;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[randInt(r, xs.length)];
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const NOW = Date.now();

// ---------------------------------------------------------------------------------------------
// Data set
// ---------------------------------------------------------------------------------------------

const CATEGORIES = ['Shoes', 'Shirts', 'Trousers', 'Jackets', 'Bags', 'Watches', 'Toys', 'Books', 'Kitchen', 'Garden'];
const CITIES = ['Copenhagen', 'Aarhus', 'Odense', 'Aalborg', 'Berlin', 'Hamburg', 'Oslo', 'Stockholm', 'Malmö', 'Helsinki'];
const GENDERS = ['female', 'male', 'other', null];
const PRODUCT_COUNT = 200;
const SHOP = 'https://shop.bench.example';

interface Sizes {
  customers: number;
  visitors: number;
  orders: number;
  events: number;
}

function sizesFor(scale: number): Sizes {
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  return { customers: n(10_000), visitors: n(20_000), orders: n(100_000), events: n(1_000_000) };
}

const customerId = (i: number) => `c${pad(i + 1, 7)}`;
const customerEmail = (i: number) => `cust${i + 1}@bench.example`;
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

interface SeedResult {
  rows: Record<string, number>;
  ms: number;
}

async function seedStore(server: MysqlServer, database: string, s: Sizes, o: Options): Promise<SeedResult> {
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
    await c.query('ANALYZE TABLE customers, visitors, visit_events, orders, order_lines, products');
  } finally {
    await c.end();
  }
  return { rows: ordered, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// GraphQL over HTTP and the load loop
// ---------------------------------------------------------------------------------------------

interface GqlBody {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL request over HTTP, as a client sends it; null when it succeeded, else what went wrong. */
async function post(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<{ data: Record<string, any> | null; problem: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlBody;
  if (res.status !== 200 || body.errors?.length || !body.data) return { data: null, problem: `HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}` };
  return { data: body.data, problem: null };
}

/** A setup request: any failure stops the run. */
async function gql(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const { data, problem } = await post(url, key, query, variables);
  if (problem) throw new Error(problem);
  return data!;
}

interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  firstError: string | null;
  ms: number;
  latencies: number[];
  peakRss: number;
  /** This process's CPU time over wall time (1.0 = one core busy): is Node the bottleneck? */
  cpu: number;
}

/**
 * Keeps `concurrency` requests in flight until `durationS` has passed or `maxRequests` have
 * been sent. A request counts as failed on a non-200 status, GraphQL errors, or a body the
 * scenario's `check` rejects (e.g. a customer that should exist coming back null).
 */
async function drive(
  name: string,
  url: string,
  key: string,
  next: () => { query: string; variables: Record<string, unknown> },
  check: (data: Record<string, any>) => string | null,
  o: { concurrency: number; durationS: number; maxRequests: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + o.durationS * 1000;
  const worker = async () => {
    while (sent < o.maxRequests && performance.now() < deadline) {
      sent++;
      const { query, variables } = next();
      const t0 = performance.now();
      let problem: string | null;
      try {
        const res = await post(url, key, query, variables);
        problem = res.problem ?? check(res.data!);
      } catch (err) {
        problem = String(err);
      }
      latencies.push(performance.now() - t0);
      if (problem) {
        errors++;
        firstError ??= `${problem} (variables: ${JSON.stringify(variables)})`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    clearInterval(sampler);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { name, requests: latencies.length, errors, firstError, ms, latencies, peakRss, cpu: (cpu.user + cpu.system) / 1000 / ms };
}

/** Nearest-rank percentile of an ascending list. */

const PROFILE_QUERY = `query Profile($s: ID!, $e: String!) {
  customer(storeId: $s, idOrEmail: $e) {
    id email
    crm { age gender city }
    orders(first: 10) { totalCount edges { node { id total currency lines { productId quantity unitPrice } } } }
    visitors { id log(first: 10) { edges { node { type url occurredAt } } } }
    preferences { topProducts { productId score } topCategories { name score } }
  }
}`;

const LIST_QUERY = `query List($s: ID!, $after: String) {
  customers(storeId: $s, first: 50, after: $after) {
    totalCount
    edges { node { id email orders(first: 5) { edges { node { id total } } } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** Light walk over the whole list, collecting every page's cursor to start later pages from. */
async function collectCursors(url: string, key: string, storeId: string): Promise<string[]> {
  const cursors: string[] = [];
  let after: string | null = null;
  for (;;) {
    const data = await gql(url, key, 'query($s:ID!,$a:String){ customers(storeId:$s, first:50, after:$a){ pageInfo{ endCursor hasNextPage } } }', { s: storeId, a: after });
    const info = data.customers.pageInfo as { endCursor: string | null; hasNextPage: boolean };
    if (!info.hasNextPage || !info.endCursor) return cursors;
    cursors.push(info.endCursor);
    after = info.endCursor;
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/** Set on Ctrl-C; the SIGINT handler then owns the cleanup and the exit code. */
let interrupted = false;


/**
 * Drops the catalog and every store database (they share its name as prefix), and the MySQL
 * user the gateway made for each store database. `config` is null when the run failed before
 * building one: then no store (nor user) exists yet.
 */

async function main(): Promise<void> {
  const o = readOptions();
  const sizes = sizesFor(o.scale);
  const catalogDb = `pgwbench_${randomBytes(4).toString('hex')}`;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  let gateway: Gateway | null = null;
  let config: Config | null = null;
  let cleaned = false;

  const cleanup = async (stopGateway: boolean) => {
    if (cleaned) return;
    cleaned = true;
    if (gateway && stopGateway) await gateway.stop().catch((e: unknown) => console.error('stopping the gateway failed:', e));
    if (o.keep) {
      console.log(`\n--keep: databases ${catalogDb} and ${catalogDb}_s_* are left in place.`);
      return;
    }
    try {
      const dropped = await dropBenchDatabases(catalogDb, config);
      console.log(`\nDropped ${dropped.length} database(s): ${dropped.join(', ') || '(none)'}`);
    } catch (err) {
      // Reported, not thrown: the error that got us here matters more.
      console.error(`\nDropping ${catalogDb}* failed (drop them by hand):`, err);
      process.exitCode = 1;
    }
  };
  // Ctrl-C during a long seed must not leave hundreds of MiB of bench data behind. Apollo has
  // its own SIGINT handler: it stops the server, then re-raises the signal. So `on`, not `once`
  // (the re-raised signal must not kill us before the drop), and no gateway.stop() here: a
  // second apollo.stop() while its own is running never resolves (Apollo 5 leaves that
  // barrier unresolved), and the process exits right after anyway.
  process.on('SIGINT', () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\nInterrupted; dropping the bench databases...');
    cleanup(false).finally(() => process.exit(130));
  });

  const loadBefore = loadavg()[0];
  try {
    console.log(`Bench catalog database: ${catalogDb} on ${MYSQL_URL.replace(/\/\/[^@]*@/, '//')}`);
    console.log(`Scale ${o.scale}: ${sizes.customers} customers, ${sizes.visitors} visitors, ${sizes.orders} orders, ${sizes.events} visit events`);

    // Gateway settings a caller may want to vary pass through; the rest is fixed for the bench.
    const passthrough = Object.fromEntries(
      ['STORE_POOL_SIZE', 'CATALOG_POOL_SIZE', 'MAX_OPEN_STORES', 'DB_QUERY_TIMEOUT_MS', 'RATE_LIMIT_PER_MINUTE']
        .filter((k) => process.env[k])
        .map((k) => [k, process.env[k]!]),
    );
    config = loadConfig({
      DATABASE_URL: `${MYSQL_URL}/${catalogDb}`,
      SUBJECT_HASH_SECRET: randomBytes(32).toString('hex'),
      BOOTSTRAP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'silent',
      SEED_DEMO: '0',
      // We measure the gateway's capacity, not its per-key limiter (1,200/min by default).
      RATE_LIMIT_PER_MINUTE: '100000000',
      ...passthrough,
    });
    gateway = await createGateway(config, createLogger('silent'));
    const server = await gateway.listen(0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

    // Tenant through the API, exactly as an operator would set one up.
    const company = (await gql(url, adminKey, 'mutation($n:String!){ createCompany(name:$n){ id } }', { n: 'Bench Company' })).createCompany.id as string;
    const storeId = (
      await gql(url, adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true}){ id } }', { c: company, n: 'Bench Store' })
    ).createStore.id as string;
    const scopes = ((await gql(url, adminKey, '{ __type(name:"Scope"){ enumValues { name } } }')).__type.enumValues as { name: string }[]).map((v) => v.name);
    const key = (
      await gql(url, adminKey, 'mutation($c:ID!,$s:[Scope!]!){ createApiKey(companyId:$c, scopes:$s){ secret } }', { c: company, s: scopes })
    ).createApiKey.secret as string;

    const [store] = (await gateway.services.tenancy.catalog.query('SELECT `databaseName` FROM `stores` WHERE `id` = ?', [storeId])) as { databaseName: string }[];
    const storeDb = store.databaseName;
    console.log(`Store ${storeId} in database ${storeDb}; seeding...`);

    const seed = await seedStore(config.mysql!, storeDb, sizes, o);
    const rowTotal = Object.values(seed.rows).reduce((a, b) => a + b, 0);
    console.log(
      `Seeded ${rowTotal.toLocaleString('en-US')} rows in ${seconds(seed.ms)} s (${Math.round(rowTotal / (seed.ms / 1000)).toLocaleString('en-US')} rows/s): ` +
        Object.entries(seed.rows)
          .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
          .join(', '),
    );

    // One profile read to show that the seeded data hangs together (orders, visitors, log, preferences).
    const sample = (await gql(url, key, PROFILE_QUERY, { s: storeId, e: customerEmail(0) })).customer;
    if (!sample) throw new Error(`seeded customer ${customerEmail(0)} not found through the API`);
    console.log(
      `Sample profile ${sample.email}: ${sample.orders.totalCount} orders, ${sample.visitors.length} visitors, ` +
        `${sample.visitors[0]?.log?.edges.length ?? 0} log lines on the first, top category ${sample.preferences.topCategories[0]?.name ?? '-'}`,
    );

    const cursors = await collectCursors(url, key, storeId);
    const pickRandom = rng(o.seed ^ 0xbe7c4);
    const profile = () => ({ query: PROFILE_QUERY, variables: { s: storeId, e: customerEmail(randInt(pickRandom, sizes.customers)) } });
    // The first page, or one after a random page boundary: reads spread over the whole list.
    const list = () => ({ query: LIST_QUERY, variables: { s: storeId, after: randInt(pickRandom, cursors.length + 1) === 0 ? null : pick(pickRandom, cursors) } });
    const profileCheck = (d: Record<string, any>) => (d.customer ? null : 'customer is null');
    const listCheck = (d: Record<string, any>) => (d.customers.edges.length > 0 ? null : 'empty page');

    const results: LoadResult[] = [];
    for (const [name, next, check] of [
      ['customer(idOrEmail) profile', profile, profileCheck],
      ['customers(first: 50) list', list, listCheck],
    ] as const) {
      process.stdout.write(`${name}: warm-up ${o.warmup}... `);
      const warm = await drive(name, url, key, next, check, { concurrency: o.concurrency, durationS: 3600, maxRequests: o.warmup });
      if (warm.errors) console.log(`(${warm.errors} warm-up errors, first: ${warm.firstError})`);
      process.stdout.write(`measuring (${o.concurrency} in flight, ${o.durationS} s or ${o.maxRequests} requests)... `);
      const r = await drive(name, url, key, next, check, o);
      console.log(`${r.requests} requests`);
      results.push(r);
    }

    printSummary(o, sizes, seed, results, loadBefore);
    const failed = results.filter((r) => r.errors > 0);
    for (const r of failed) console.error(`FIRST ERROR in ${r.name}: ${r.firstError}`);
    if (failed.length) process.exitCode = 1;
  } finally {
    await cleanup(true);
  }
}

function printSummary(o: Options, s: Sizes, seed: SeedResult, results: LoadResult[], loadBefore: number): void {
  const rows = [
    ['query', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'peak RSS', 'node CPU'],
    ...results.map((r) => {
      const sorted = [...r.latencies].sort((a, b) => a - b);
      const f = (x: number) => x.toFixed(1);
      return [
        r.name,
        String(r.requests),
        (r.requests / (r.ms / 1000)).toFixed(1),
        f(percentile(sorted, 50)),
        f(percentile(sorted, 95)),
        f(percentile(sorted, 99)),
        f(sorted[sorted.length - 1] ?? NaN),
        String(r.errors),
        mib(r.peakRss),
        `${Math.round(r.cpu * 100)}%`,
      ];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('\n=== Summary ===');
  console.log(`Data: ${s.customers} customers, ${s.visitors} visitors, ${seed.rows.orders} orders (${seed.rows.order_lines} lines), ${seed.rows.visit_events} visit events, ${PRODUCT_COUNT} products`);
  console.log(`Seeding: ${seconds(seed.ms)} s    Load: ${o.concurrency} in flight, ${o.durationS} s or ${o.maxRequests} requests per query after ${o.warmup} warm-up`);
  console.log(`Process RSS now: ${mib(process.memoryUsage().rss)} (gateway and load generator share this process)`);
  // Other work on the machine skews every figure here; the load average shows whether there was any.
  console.log(`Load average (1 min) at start / end: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

main().catch((err: unknown) => {
  // After Ctrl-C the half-done run fails on the dropped databases: not worth a stack trace.
  if (interrupted) return;
  console.error('bench failed:', err);
  process.exitCode = 1;
});
