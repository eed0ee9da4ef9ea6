/**
 * Profile-read benchmark: the gateway against a raw-mysql2 peer, on the same data, in one run.
 * Not part of the jest suite; run on demand:
 *
 *   npm run bench:profile -- [--scale 0.05] [--rounds 10] [--round-seconds 3] [--concurrency 8]
 *
 * Starts a private MariaDB (test/support/private-mariadb.ts), the gateway as its own process
 * (production build, `node dist/main.js`, NODE_ENV=production, LOG_LEVEL=silent) and the raw
 * peer (bench/raw-server.ts) as another; creates a company, a store and an all-scope key through
 * the API, bulk-loads the store database (profile-seed.ts), checks once that both servers answer
 * the same JSON for the same inputs, then measures the two queries from this process (the load
 * generator: neither server's), in interleaved rounds of gateway and peer. Per query and side it
 * prints throughput, p50/p99, statements per request (MariaDB's `Questions` delta: the server is
 * private, so only the measured side talks to it), CPU ms per request of the server process
 * (/proc/<pid>/stat), and the medians of the per-round ratios. The private server and its data
 * go at the end, also on failure and Ctrl-C. Results and how to read them: bench/PROFILE.md.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Connection, createConnection, RowDataPacket } from 'mysql2/promise';
import { parseMysqlUrl } from '../src/config';
import { startPrivateMariadb, PrivateMariadb } from '../test/support/private-mariadb';
import { BENCH_RECEIPT_KEY, benchOptions, cpuMsOf, createBenchTenant, gql, percentile, post, randInt, rssOf, startServer, stopServer, table } from './bench-support';
import { customerEmail, PROFILE_QUERY, pick, rng, seedStore, sizesFor } from './profile-seed';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const OPTIONS = {
  scale: { help: 'data volume factor, 1 = 10k customers/100k orders/1M events', default: 1, min: 0.0001, integer: false, env: 'BENCH_SCALE', arg: 'f' },
  concurrency: { help: 'requests in flight', default: 8, min: 1, env: 'BENCH_CONCURRENCY' },
  rounds: { help: 'measured rounds per query, each a gateway and a peer turn', default: 10, min: 1, env: 'BENCH_ROUNDS' },
  'round-seconds': { help: 'length of one turn', default: 3, min: 0.1, integer: false, env: 'BENCH_ROUND_SECONDS', arg: 's' },
  warmup: { help: 'unmeasured requests per query and server first', default: 200, min: 0, env: 'BENCH_WARMUP' },
  batch: { help: 'rows per INSERT while seeding', default: 5000, min: 1, env: 'BENCH_BATCH' },
  'event-workers': { help: 'parallel connections loading visit_events', default: 2, min: 1, env: 'BENCH_EVENT_WORKERS' },
  seed: { help: 'data generator seed', default: 1, min: 0, env: 'BENCH_SEED' },
  'buffer-pool': { help: 'InnoDB buffer pool of the private MariaDB, MiB', default: 256, min: 8, env: 'BENCH_BUFFER_POOL' },
} as const;

type Options = ReturnType<typeof benchOptions<typeof OPTIONS>>;

// ---------------------------------------------------------------------------------------------
// The two queries
// ---------------------------------------------------------------------------------------------


const LIST_QUERY = `query List($s: ID!, $after: String) {
  customers(storeId: $s, first: 50, after: $after) {
    totalCount
    edges { node { id email orders(first: 5) { edges { node { id total } } } } }
    pageInfo { endCursor hasNextPage }
  }
}`;

type Vars = Record<string, unknown>;

interface Query {
  name: string;
  text: string;
  next: () => Vars;
  /** Why a successful answer is still wrong (a seeded customer coming back null), or null. */
  check: (data: Record<string, any>) => string | null;
}

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
// Servers under test and what they cost
// ---------------------------------------------------------------------------------------------

interface Side {
  name: 'gateway' | 'raw';
  url: string;
  child: ChildProcess;
}

/** Statements the MariaDB server has received so far; its own reading counts one. */
async function questions(admin: Connection): Promise<number> {
  const [rows] = await admin.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(rows[0].Value);
}

interface Turn {
  requests: number;
  errors: number;
  firstError: string | null;
  ms: number;
  latencies: number[];
  statements: number;
  /** CPU time of the server under test, and of MariaDB, during the turn. */
  cpuMs: number;
  dbCpuMs: number;
  /** Audit entries written during the turn (one per request on both sides). */
  audits: number;
}

/** The newest audit entry's ID: entries written between two readings, since nothing else writes. */
async function lastAuditId(admin: Connection): Promise<number> {
  const [rows] = await admin.query<RowDataPacket[]>('SELECT COALESCE(MAX(`id`), 0) AS `n` FROM `pgwbench`.`audit_log`');
  return Number(rows[0].n);
}

/**
 * One turn: `concurrency` requests in flight against one server until `seconds` have passed (or
 * `maxRequests` were sent), with the server's CPU time and the database's statement count
 * read before and after.
 */
async function turn(side: Side, key: string, q: Query, o: { concurrency: number; seconds: number; maxRequests: number }, db: { admin: Connection; pid: number; overhead: number }): Promise<Turn> {
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  const audit0 = await lastAuditId(db.admin);
  const q0 = await questions(db.admin);
  const cpu0 = cpuMsOf(side.child.pid!);
  const dbCpu0 = cpuMsOf(db.pid);
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const worker = async () => {
    while (sent < o.maxRequests && performance.now() < deadline) {
      sent++;
      const variables = q.next();
      const t0 = performance.now();
      let problem: string | null;
      try {
        const res = await post(side.url, key, q.text, variables);
        problem = res.problem ?? q.check(res.data!);
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
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const ms = performance.now() - started;
  const cpuMs = cpuMsOf(side.child.pid!) - cpu0;
  const dbCpuMs = cpuMsOf(db.pid) - dbCpu0;
  const statements = (await questions(db.admin)) - q0 - db.overhead;
  const audits = (await lastAuditId(db.admin)) - audit0;
  return { requests: latencies.length, errors, firstError, ms, latencies, statements, cpuMs, dbCpuMs, audits };
}

// ---------------------------------------------------------------------------------------------
// Same answer on both sides
// ---------------------------------------------------------------------------------------------

/** The first path where two JSON values differ, with both values abridged; null when equal. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: gateway ${JSON.stringify(a)?.slice(0, 300)} / raw ${JSON.stringify(b)?.slice(0, 300)}`;
}

/**
 * Every list in the two answers has an order the API defines (orders and logs newest first, then
 * by ID; visitors by last seen, then ID; lines by ID; preferences by score, then name; customers
 * by ID), so the answers are compared as they come, lists in order, keys in any order.
 */
async function sameAnswers(gateway: Side, raw: Side, key: string, q: Query, inputs: Vars[]): Promise<void> {
  for (const variables of inputs) {
    const [a, b] = await Promise.all([post(gateway.url, key, q.text, variables), post(raw.url, key, q.text, variables)]);
    if (a.problem || b.problem) throw new Error(`${q.name} ${JSON.stringify(variables)}: gateway ${a.problem ?? 'ok'}, raw ${b.problem ?? 'ok'}`);
    const d = firstDifference(a.data, b.data);
    if (d) throw new Error(`The raw peer and the gateway answer ${q.name} ${JSON.stringify(variables)} differently at ${d}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const ROOT = join(__dirname, '..');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main(): Promise<void> {
  const o = benchOptions('Usage: npm run bench:profile -- [options]   (flags override the BENCH_* environment variables)', OPTIONS, [
    'STORE_POOL_SIZE, CATALOG_POOL_SIZE, MAX_OPEN_STORES, DB_QUERY_TIMEOUT_MS reach both servers when set.',
    'BENCH_GATEWAY_LOG_FILE: the gateway logs at warn (not silent) into this file.',
    'BENCH_GATEWAY_NODE_ARGS: node flags for the gateway only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (bench/cpuprofile-summary.ts reads the file).',
  ]);
  const sizes = sizesFor(o.scale);
  const secret = randomBytes(32).toString('hex');
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  let db: PrivateMariadb | null = null;
  const children: ChildProcess[] = [];
  let admin: Connection | null = null;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await admin?.end().catch(() => undefined);
    await Promise.all(children.map((c) => stopServer(c).catch(() => undefined)));
    await db?.stop();
  };
  process.on('SIGINT', () => {
    console.error('\nInterrupted; stopping the servers and the private MariaDB...');
    void cleanup().finally(() => process.exit(130));
  });

  const loadBefore = loadavg()[0];
  try {
    // The production build: compiled only when a source changed since the last one.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.js')], { stdio: 'inherit' });
    db = await startPrivateMariadb();
    admin = await createConnection({ host: '127.0.0.1', port: db.port, user: 'root' });
    await admin.query(`SET GLOBAL innodb_buffer_pool_size = ${o['buffer-pool'] * 1024 * 1024}`);
    const catalogUrl = `${db.url}/pgwbench`;
    console.log(`Private MariaDB on port ${db.port} (buffer pool ${o['buffer-pool']} MiB)`);
    console.log(`Scale ${o.scale}: ${sizes.customers} customers, ${sizes.visitors} visitors, ${sizes.orders} orders, ${sizes.events} visit events`);

    const passthrough = Object.fromEntries(['STORE_POOL_SIZE', 'CATALOG_POOL_SIZE', 'MAX_OPEN_STORES', 'DB_QUERY_TIMEOUT_MS', 'GRAPHQL_COMPILE_AFTER', 'PATH', 'HOME'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
    // BENCH_GATEWAY_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the gateway's node.
    const gwNodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const gw = await startServer([...gwNodeArgs, join(ROOT, 'dist', 'main.js')], {
      ...passthrough,
      NODE_ENV: 'production',
      // BENCH_GATEWAY_LOG_FILE: the gateway logs at warn into that file (hunting a rare error).
      LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_FILE ? 'warn' : 'silent',
      PORT: '0',
      METRICS_PORT: 'off',
      DATABASE_URL: catalogUrl,
      RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY,
      SUBJECT_HASH_SECRET: secret,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      SEED_DEMO: '0',
      // Its capacity is measured, not its per-key limiter; no background jobs during a turn.
      RATE_LIMIT_PER_MINUTE: '100000000',
      RETENTION_INTERVAL: '0',
      FORGET_RECOVERY_INTERVAL: '0',
    }, /listening on http:\/\/localhost:(\d+)\//);
    children.push(gw.child);
    if (process.env.BENCH_GATEWAY_LOG_FILE) gw.child.stdout!.pipe(createWriteStream(process.env.BENCH_GATEWAY_LOG_FILE));
    const gateway: Side = { name: 'gateway', url: `http://127.0.0.1:${gw.ready[1]}/graphql`, child: gw.child };

    // Tenant through the API, exactly as an operator would set one up.
    const { storeId, key } = await createBenchTenant(gateway.url, adminKey, 'Bench Company');
    const [[store]] = await admin.query<RowDataPacket[]>('SELECT `databaseName` FROM `pgwbench`.`stores` WHERE `id` = ?', [storeId]);
    console.log(`Store ${storeId} in database ${store.databaseName}; seeding...`);
    const seed = await seedStore(parseMysqlUrl(db.url), store.databaseName as string, sizes, { batchRows: o.batch, eventWorkers: o['event-workers'], seed: o.seed });
    const rowTotal = Object.values(seed.rows).reduce((a, b) => a + b, 0);
    console.log(`Seeded ${rowTotal.toLocaleString('en-US')} rows in ${seconds(seed.ms)} s: ${Object.entries(seed.rows).map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}`);

    const rawStart = await startServer(['-r', 'ts-node/register/transpile-only', join(__dirname, 'raw-server.ts')], { ...passthrough, RAW_CATALOG_URL: catalogUrl, SUBJECT_HASH_SECRET: secret, PORT: '0' }, /raw peer listening on (\d+)/);
    children.push(rawStart.child);
    const raw: Side = { name: 'raw', url: `http://127.0.0.1:${rawStart.ready[1]}/graphql`, child: rawStart.child };
    console.log(`Gateway pid ${gateway.child.pid} (node dist/main.js), raw peer pid ${raw.child.pid}, load generator pid ${process.pid}`);

    const cursors = await collectCursors(gateway.url, key, storeId);
    const r = rng(o.seed ^ 0xbe7c4);
    const queries: Query[] = [
      { name: 'profile', text: PROFILE_QUERY, next: () => ({ s: storeId, e: customerEmail(randInt(r, sizes.customers)) }), check: (d) => (d.customer ? null : 'customer is null') },
      // The first page, or one after a random page boundary: reads spread over the whole list.
      { name: 'list', text: LIST_QUERY, next: () => ({ s: storeId, after: randInt(r, cursors.length + 1) === 0 ? null : pick(r, cursors) }), check: (d) => (d.customers.edges.length > 0 ? null : 'empty page') },
    ];

    // Same inputs, same JSON, or the comparison means nothing.
    const samples = 20;
    await sameAnswers(gateway, raw, key, queries[0], [customerEmail(0), 'nobody@bench.example', ...Array.from({ length: samples }, () => customerEmail(randInt(r, sizes.customers)))].map((e) => ({ s: storeId, e })));
    await sameAnswers(gateway, raw, key, queries[1], [null, ...cursors.slice(-1), ...Array.from({ length: Math.min(samples, cursors.length) }, () => pick(r, cursors))].map((after) => ({ s: storeId, after })));
    console.log(`Same JSON from both for ${samples + 2} profiles (one unknown e-mail) and ${Math.min(samples, cursors.length) + 1 + Math.min(1, cursors.length)} list pages (first and last included)`);

    // What reading the counter costs by itself, and that nothing else talks to the server.
    const idle0 = await questions(admin);
    await new Promise((res) => setTimeout(res, 1000));
    const overhead = (await questions(admin)) - idle0;
    console.log(`Statements on the idle server in 1 s: ${overhead} (the counter's own reading); subtracted from every turn`);
    const [[pidFile]] = await admin.query<RowDataPacket[]>('SELECT @@pid_file AS `f`');
    const dbSide = { admin, pid: Number(readFileSync(pidFile.f as string, 'utf8').trim()), overhead };

    const results = new Map<string, { gateway: Turn[]; raw: Turn[] }>();
    const loaderCpu = process.cpuUsage();
    for (const q of queries) {
      process.stdout.write(`${q.name}: warm-up ${o.warmup} per server... `);
      for (const side of [gateway, raw]) {
        const w = await turn(side, key, q, { concurrency: o.concurrency, seconds: 3600, maxRequests: o.warmup }, dbSide);
        if (w.errors) throw new Error(`${side.name} failed ${w.errors} warm-up requests, first: ${w.firstError}`);
      }
      const turns = { gateway: [] as Turn[], raw: [] as Turn[] };
      for (let i = 0; i < o.rounds; i++) {
        // Which side goes first alternates, so a drift in the machine's load favours neither.
        for (const side of i % 2 === 0 ? [gateway, raw] : [raw, gateway]) {
          turns[side.name].push(await turn(side, key, q, { concurrency: o.concurrency, seconds: o['round-seconds'], maxRequests: Number.MAX_SAFE_INTEGER }, dbSide));
        }
        process.stdout.write(`${i + 1} `);
      }
      console.log('');
      results.set(q.name, turns);
    }
    const used = process.cpuUsage(loaderCpu);
    const sent = [...results.values()].flatMap((x) => [...x.gateway, ...x.raw]).reduce((a, t) => a + t.requests, 0);
    printSummary(o, sizes, gateway, raw, results, loadBefore);
    console.log(`\nLoad generator (this process): ${((used.user + used.system) / 1000 / sent).toFixed(2)} ms CPU per request, warm-ups included`);
    let failed = false;
    for (const [name, sides] of results) {
      for (const [side, ts] of Object.entries(sides)) {
        const bad = ts.find((t) => t.errors > 0);
        if (bad) {
          failed = true;
          console.error(`FIRST ERROR in ${name} on ${side}: ${bad.firstError}`);
        }
      }
    }
    if (failed) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

function printSummary(o: Options, s: ReturnType<typeof sizesFor>, gateway: Side, raw: Side, results: Map<string, { gateway: Turn[]; raw: Turn[] }>, loadBefore: number): void {
  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const rows = [['query', 'server', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'statements/req', 'audits/req', 'server CPU ms/req', 'MariaDB CPU ms/req']];
  const ratios = [['query', 'raw/gateway req/s (median of rounds)', 'min-max of rounds', 'gateway/raw CPU per request (median)', 'gateway p99/p50']];
  for (const [name, sides] of results) {
    for (const side of ['gateway', 'raw'] as const) {
      const ts = sides[side];
      const sum = (f: (t: Turn) => number) => ts.reduce((a, t) => a + f(t), 0);
      const lat = ts.flatMap((t) => t.latencies).sort((a, b) => a - b);
      const n = sum((t) => t.requests);
      rows.push([name, side, String(n), f1(n / (sum((t) => t.ms) / 1000)), f1(percentile(lat, 50)), f1(percentile(lat, 99)), String(sum((t) => t.errors)), f1(sum((t) => t.statements) / n), f2(sum((t) => t.audits) / n), f2(sum((t) => t.cpuMs) / n), f2(sum((t) => t.dbCpuMs) / n)]);
    }
    const rate = (t: Turn) => t.requests / t.ms;
    const perRound = sides.gateway.map((g, i) => rate(sides.raw[i]) / rate(g));
    const cpuRatio = sides.gateway.map((g, i) => g.cpuMs / g.requests / (sides.raw[i].cpuMs / sides.raw[i].requests));
    const gl = sides.gateway.flatMap((t) => t.latencies).sort((a, b) => a - b);
    ratios.push([name, `${f2(median(perRound))}x`, `${f2(Math.min(...perRound))}-${f2(Math.max(...perRound))}`, `${f2(median(cpuRatio))}x`, f2(percentile(gl, 99) / percentile(gl, 50))]);
  }
  console.log('\n=== Summary ===');
  console.log(`Data: ${s.customers} customers, ${s.visitors} visitors, ${s.orders} orders, ${s.events} visit events`);
  console.log(`Load: ${o.concurrency} in flight from a separate process; ${o.rounds} rounds x (gateway ${o['round-seconds']} s, raw ${o['round-seconds']} s) per query, first side alternating; ${o.warmup} warm-up requests per server and query`);
  console.log(`Server RSS at the end: gateway ${Math.round(rssOf(gateway.child.pid!) / 1048576)} MiB, raw peer ${Math.round(rssOf(raw.child.pid!) / 1048576)} MiB`);
  console.log(`Load average (1 min) at start / end: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log(table(rows));
  console.log('');
  console.log(table(ratios));
  console.log('\nreq/s per round (gateway / raw):');
  for (const [name, sides] of results) console.log(`  ${name.padEnd(8)} ${sides.gateway.map((g, i) => `${f1(g.requests / (g.ms / 1000))}/${f1(sides.raw[i].requests / (sides.raw[i].ms / 1000))}`).join('  ')}`);
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
