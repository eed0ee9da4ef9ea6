/**
 * storeStats benchmark on a private MariaDB. Not part of the jest suite; run on demand:
 *
 *   npm run bench:stats -- [--scale 0.1] [--rounds 30] [--seed 1] [--keep-output]
 *
 * It starts a MariaDB of its own (test/support/private-mariadb.ts, a 512 MB buffer pool, on a
 * spare port and a temporary data folder), then the gateway as a separate process (`src/main.ts`
 * through ts-node) on it, creates a company and a store through the GraphQL API, and loads the
 * store database directly with multi-row INSERTs: at --scale 1, 100,000 orders (1-3 lines each,
 * 20,000 buyers, 90 % DKK and 10 % EUR) and 1,000,000 visit events (50,000 visitors) over the
 * year before `now`, through the migrations' indexes; then builds storeStats' rollups from them
 * with the StatsRollups migration's backfill (as ingestion would have kept them).
 *
 * Then, interleaved round by round so both see the same machine: `storeStats` over that year by
 * DAY and by MONTH with `buckets` and `topProducts(first: 10)` through the gateway over HTTP (the
 * rollups), and the raw GROUP BY statements the rollups replace (exported by
 * store-stats.service.ts, the reference) through a mysql2 pool (the three bucket statements at
 * once, then the two top products statements). It prints p50/p99 of each and their ratio, checks
 * that both give the same numbers bucket by bucket and product by product and that they equal
 * what was loaded (orders, exact cents per currency), and shows the index each statement uses
 * (EXPLAIN). Everything is removed at the end, also on failure.
 * Results: bench/STATS.md.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection, createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { bucketStatements, productRevenueStatement, topProductsStatement } from '../src/services/stats/store-stats.service';
import { dayOf, productRollupStatement, rollupStatements } from '../src/services/stats/rollups';
import { centsToDecimal } from '../src/services/stats/money';
import { freePort, startPrivateMariadb, PrivateMariadb } from '../test/support/private-mariadb';
import { BulkWriter, finishLoading, prepareForLoading, rng } from './forget-seed';
import { BENCH_RECEIPT_KEY, gql, numberOption, pad, percentile, randInt, sqlTime } from './bench-support';

const DAY_MS = 86_400_000;
const QUERY = `query($s:ID!,$from:DateTime!,$to:DateTime!,$i:StatsInterval){ storeStats(storeId:$s, from:$from, to:$to, interval:$i){
  buckets { start orders customers revenue { currency amount } visitors events { pageViews contentViews clicks } }
  topProducts(first: 10){ product { id name category } quantity revenue { currency amount } } } }`;

interface Options {
  scale: number;
  rounds: number;
  warmup: number;
  seed: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { scale: { type: 'string' }, rounds: { type: 'string' }, warmup: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: npm run bench:stats -- [--scale <f> (1 = 100k orders, 1M events)] [--rounds <n> (30)] [--warmup <n> (3)] [--seed <n> (1)]');
    process.exit(0);
  }
  return {
    scale: numberOption(values.scale ?? process.env.BENCH_SCALE, 1, 'scale', 0.0001),
    rounds: Math.floor(numberOption(values.rounds, 30, 'rounds', 1)),
    warmup: Math.floor(numberOption(values.warmup, 3, 'warmup', 0)),
    seed: Math.floor(numberOption(values.seed ?? process.env.BENCH_SEED, 1, 'seed', 0)),
  };
}


async function startGateway(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')], {
    env: { ...env, PORT: String(port), METRICS_PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gateway did not start in 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (/listening/.test(String(d))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

interface Loaded {
  orders: number;
  lines: number;
  events: number;
  /** Exact revenue per currency, in cents, summed here in integers. */
  cents: Map<string, bigint>;
  /** Building the rollups from the loaded rows, with ANALYZE TABLE. */
  rollupSeconds: number;
}

/** Orders and events spread over the year before `now`, busier on weekends and in summer. */
async function load(url: string, database: string, o: Options, now: number): Promise<Loaded> {
  const s = new URL(url);
  const conn = await createConnection({ host: s.hostname, port: Number(s.port), user: 'root', database, timezone: 'Z' });
  await prepareForLoading(conn);
  const w = new BulkWriter(conn, 5000);
  const r = rng(o.seed * 104729);
  const nOrders = Math.round(100_000 * o.scale);
  const nEvents = Math.round(1_000_000 * o.scale);
  const buyers = Math.max(1, Math.round(20_000 * o.scale));
  const visitors = Math.max(1, Math.round(50_000 * o.scale));
  const start = now - 365 * DAY_MS;
  // A time in the year, weighted: rejection sampling on a seasonal, weekly shape.
  const when = () => {
    for (;;) {
      const t = start + r() * 365 * DAY_MS;
      const d = new Date(t);
      const w8 = (1 + 0.6 * Math.exp(-(((d.getUTCMonth() - 6) / 1.8) ** 2))) * (d.getUTCDay() % 6 === 0 ? 1.3 : 1);
      if (r() * 2.1 < w8) return Math.floor(t);
    }
  };
  const cents = new Map<string, bigint>();
  let lines = 0;
  for (let i = 0; i < nOrders; i++) {
    const currency = r() < 0.9 ? 'DKK' : 'EUR';
    const nLines = 1 + randInt(r, 3);
    let total = 0;
    const id = `o${pad(i + 1, 7)}`;
    for (let l = 0; l < nLines; l++) {
      const quantity = 1 + randInt(r, 3);
      const unitCents = 995 + randInt(r, 200) * 500 + (r() < 0.3 ? 50 : 0);
      total += quantity * unitCents;
      await w.add('order_lines', [id, `p${pad(randInt(r, 500), 3)}`, quantity, (unitCents / 100).toFixed(2)]);
      lines++;
    }
    cents.set(currency, (cents.get(currency) ?? 0n) + BigInt(total));
    const buyer = r() < 0.85 ? `c${pad(randInt(r, buyers), 6)}` : null;
    await w.add('orders', [id, buyer, null, null, sqlTime(when()), currency, (total / 100).toFixed(2), 0]);
  }
  const types = ['PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW', 'CONTENT_VIEW', 'CONTENT_VIEW', 'CLICK'];
  for (let i = 0; i < nEvents; i++) {
    await w.add('visit_events', [`v${pad(randInt(r, visitors), 6)}`, types[randInt(r, types.length)], null, null, null, sqlTime(when()), null]);
  }
  await w.flush();
  const t = performance.now();
  // Also builds the rollups (the StatsRollups migration's backfill), as ingestion would have.
  await finishLoading(conn);
  const rollupSeconds = (performance.now() - t) / 1000;
  await conn.end();
  return { orders: nOrders, lines, events: nEvents, cents, rollupSeconds };
}

type Row = Record<string, string | number | null>;

/** The raw GROUP BY statements for one storeStats with topProducts(10): what the service ran before the rollups, and the reference. */
async function direct(pool: Pool, interval: 'DAY' | 'MONTH', from: Date, to: Date): Promise<{ orders: number; cents: Map<string, bigint>; top: string[]; buckets: Map<string, string> }> {
  const sql = bucketStatements('mysql', interval);
  const params = [from, to];
  const [[orders], [revenue], [events]] = await Promise.all([pool.query<RowDataPacket[]>(sql.orders, params), pool.query<RowDataPacket[]>(sql.revenue, params), pool.query<RowDataPacket[]>(sql.events, params)]);
  const [top] = await pool.query<RowDataPacket[]>(topProductsStatement(10), params);
  const ids = top.map((t) => `${t.productId} ${Number(t.quantity)}`);
  await pool.query<RowDataPacket[]>(productRevenueStatement('mysql', ids.length), [...params, ...top.map((t) => t.productId as string)]);
  const cents = new Map<string, bigint>();
  for (const row of revenue as Row[]) cents.set(String(row.currency), (cents.get(String(row.currency)) ?? 0n) + BigInt(String(row.cents).split('.')[0]));
  // Each bucket's numbers, for a bucket-by-bucket comparison with the gateway's (rollup) answer.
  const key = (b: unknown) => {
    const n = Number(b);
    return (interval === 'DAY' ? new Date((n - 719_528) * DAY_MS) : new Date(Date.UTC(Math.floor(n / 100), (n % 100) - 1, 1))).toISOString();
  };
  const parts = new Map<string, { o: string; r: string[]; e: string }>();
  const at = (b: unknown) => parts.get(key(b)) ?? parts.set(key(b), { o: '0/0', r: [], e: '0/0/0/0' }).get(key(b))!;
  for (const row of orders as Row[]) at(row.bucket).o = `${Number(row.orders)}/${Number(row.customers)}`;
  for (const row of revenue as Row[]) at(row.bucket).r.push(`${row.currency} ${centsToDecimal(BigInt(String(row.cents).split('.')[0]))}`);
  for (const row of events as Row[]) at(row.bucket).e = `${Number(row.visitors)}/${Number(row.pageViews)}/${Number(row.contentViews)}/${Number(row.clicks)}`;
  const buckets = new Map([...parts].map(([k, p]) => [k, `${p.o} ${p.r.sort().join(',')} ${p.e}`]));
  return { orders: (orders as Row[]).reduce((n, x) => n + Number(x.orders), 0), cents, top: ids, buckets };
}

/** The same signature of a bucket of the gateway's answer. */
const signature = (b: StatsAnswer['storeStats']['buckets'][number]) =>
  `${b.orders}/${b.customers} ${b.revenue.map((m) => `${m.currency} ${m.amount}`).sort().join(',')} ${b.visitors}/${b.events.pageViews}/${b.events.contentViews}/${b.events.clicks}`;

interface StatsAnswer {
  storeStats: {
    buckets: { start: string; orders: number; customers: number; revenue: { currency: string; amount: string }[]; visitors: number; events: { pageViews: number; contentViews: number; clicks: number } }[];
    topProducts: { product: { id: string }; quantity: number }[];
  };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** CPU time (user + system) a process has used so far, in ms: contention on a shared machine stretches wall time, not this. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const o = readOptions();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length) await cleanups.pop()!().catch((e) => console.error('clean-up:', e));
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    console.log(`scale ${o.scale}: ${Math.round(100_000 * o.scale).toLocaleString('en-US')} orders, ${Math.round(1_000_000 * o.scale).toLocaleString('en-US')} events; ${o.rounds} rounds after ${o.warmup} warm-up; load ${loadavg()[0].toFixed(2)}`);
    const db: PrivateMariadb = await startPrivateMariadb(['--innodb-buffer-pool-size=512M']);
    cleanups.push(() => db.stop());
    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const gw = await startGateway({
      ...process.env,
      DATABASE_URL: `${db.url}/pgwstats_catalog`,
      RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY,
      SUBJECT_HASH_SECRET: randomBytes(32).toString('hex'),
      BOOTSTRAP_ADMIN_KEY: adminKey,
      RATE_LIMIT_PER_MINUTE: '10000000',
      RETENTION_INTERVAL: '0',
      DB_QUERY_TIMEOUT_MS: '120000',
      LOG_LEVEL: 'warn',
      SEED_DEMO: '0',
    });
    cleanups.push(async () => {
      gw.child.kill('SIGTERM');
      if (gw.child.exitCode === null) await new Promise((r) => gw.child.once('exit', r));
    });
    const { createCompany } = await gql(gw.url, adminKey, 'mutation{ createCompany(name:"Stats bench"){ id } }');
    const { createStore } = await gql(gw.url, adminKey, 'mutation($c:ID!){ createStore(companyId:$c, name:"Stats bench store"){ id } }', { c: createCompany.id });
    const storeId: string = createStore.id;
    // The first request opens the store database, which runs its migrations (the indexes included).
    await gql(gw.url, adminKey, QUERY, { s: storeId, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', i: 'DAY' });
    const pool = createPool({ host: '127.0.0.1', port: db.port, user: 'root', database: 'pgwstats_catalog', timezone: 'Z', connectionLimit: 4 });
    const [[store]] = await pool.query<RowDataPacket[]>('SELECT databaseName FROM stores WHERE id = ?', [storeId]);
    await pool.end();
    const database = String(store.databaseName);
    const now = Date.UTC(2026, 10, 1);
    const t0 = Date.now();
    const loaded = await load(db.url, database, o, now);
    console.log(`loaded ${loaded.orders.toLocaleString('en-US')} orders, ${loaded.lines.toLocaleString('en-US')} lines, ${loaded.events.toLocaleString('en-US')} events in ${((Date.now() - t0) / 1000).toFixed(1)} s (rollups built by the migration's backfill in ${loaded.rollupSeconds.toFixed(1)} s)`);
    const storePool = createPool({ host: '127.0.0.1', port: db.port, user: 'root', database, timezone: 'Z', connectionLimit: 4 });
    cleanups.push(() => storePool.end());

    const from = new Date(now - 365 * DAY_MS);
    const to = new Date(now);
    // The raw GROUP BY statements (the reference, run through mysql2 below) and the rollup ones the gateway now runs.
    const statementsOf = (interval: 'DAY' | 'MONTH'): [string, string, unknown[]][] => [
      ...Object.entries(bucketStatements('mysql', interval)).map(([n, q]): [string, string, unknown[]] => [`raw ${n}`, q, [from, to]]),
      ...Object.entries(rollupStatements(interval)).map(([n, q]): [string, string, unknown[]] => [`rollup ${n}`, q, [dayOf(from), dayOf(to)]]),
      ['raw topProducts', topProductsStatement(10), [from, to]],
      ['rollup topProducts', productRollupStatement(10), [dayOf(from), dayOf(to)]],
    ];
    for (const interval of ['DAY', 'MONTH'] as const) {
      for (const [name, statement, params] of statementsOf(interval)) {
        const [plan] = await storePool.query<RowDataPacket[]>(`EXPLAIN ${statement}`, params);
        console.log(`  EXPLAIN ${interval} ${name}: ${plan.map((p) => `${p.table}:${p.key ?? 'no index'}${String(p.Extra ?? '').includes('Using index') ? ' (index only)' : ''}`).join(', ')}`);
      }
    }

    // Where the server's time goes: each statement alone, its MariaDB CPU time (median of 3 runs
    // of 10 in a row: the kernel counts CPU in 10 ms ticks).
    const breakdown: string[] = [];
    for (const interval of ['DAY', 'MONTH'] as const) {
      const parts: string[] = [];
      for (const [name, statement, params] of statementsOf(interval)) {
        const cpu: number[] = [];
        for (let i = 0; i < 3; i++) {
          const c = cpuMs(db.pid());
          for (let k = 0; k < 10; k++) await storePool.query(statement, params);
          cpu.push((cpuMs(db.pid()) - c) / 10);
        }
        parts.push(`${name} ${ms(cpu.sort((a, b) => a - b)[1])}`);
      }
      breakdown.push(`${interval.padEnd(5)} MariaDB CPU per statement: ${parts.join(', ')}`);
      console.log(breakdown[breakdown.length - 1]);
    }


    const results: string[] = [];
    for (const interval of ['DAY', 'MONTH'] as const) {
      const viaGateway: number[] = [];
      const viaMysql: number[] = [];
      const dbCpuGateway: number[] = [];
      const dbCpuMysql: number[] = [];
      const gatewayCpu: number[] = [];
      let last: StatsAnswer | null = null;
      let lastDirect: Awaited<ReturnType<typeof direct>> | null = null;
      for (let i = 0; i < o.warmup + o.rounds; i++) {
        // Interleaved, and which goes first alternates, so neither always meets a warmer cache.
        const steps = [
          async () => {
            const [t, c, g] = [performance.now(), cpuMs(db.pid()), cpuMs(gw.child.pid)];
            last = (await gql(gw.url, adminKey, QUERY, { s: storeId, from: from.toISOString(), to: to.toISOString(), i: interval })) as StatsAnswer;
            if (i >= o.warmup) {
              viaGateway.push(performance.now() - t);
              dbCpuGateway.push(cpuMs(db.pid()) - c);
              gatewayCpu.push(cpuMs(gw.child.pid) - g);
            }
          },
          async () => {
            const [t, c] = [performance.now(), cpuMs(db.pid())];
            lastDirect = await direct(storePool, interval, from, to);
            if (i >= o.warmup) {
              viaMysql.push(performance.now() - t);
              dbCpuMysql.push(cpuMs(db.pid()) - c);
            }
          },
        ];
        if (i % 2) steps.reverse();
        for (const step of steps) await step();
      }
      // Both paths agree, and with what was loaded, to the cent.
      const answer = last as StatsAnswer | null;
      const d = lastDirect as Awaited<ReturnType<typeof direct>> | null;
      const gwOrders = answer!.storeStats.buckets.reduce((n, b) => n + b.orders, 0);
      const gwCents = new Map<string, bigint>();
      for (const b of answer!.storeStats.buckets) for (const m of b.revenue) gwCents.set(m.currency, (gwCents.get(m.currency) ?? 0n) + BigInt(m.amount.replace('.', '')));
      const fmt = (m: Map<string, bigint>) => [...m].sort().map(([c, v]) => `${c} ${centsToDecimal(v)}`).join(', ');
      if (gwOrders !== loaded.orders || d!.orders !== loaded.orders) throw new Error(`orders: gateway ${gwOrders}, mysql2 ${d!.orders}, loaded ${loaded.orders}`);
      if (fmt(gwCents) !== fmt(loaded.cents) || fmt(d!.cents) !== fmt(loaded.cents)) throw new Error(`revenue: gateway ${fmt(gwCents)}, mysql2 ${fmt(d!.cents)}, loaded ${fmt(loaded.cents)}`);
      if (answer!.storeStats.topProducts.map((p) => `${p.product.id} ${p.quantity}`).join() !== d!.top.join()) throw new Error('top products differ between the gateway and mysql2');
      // Bucket by bucket, the gateway's rollups equal the raw GROUP BY: distinct buyers and visitors, events, revenue.
      const zero = '0/0  0/0/0/0';
      const differing = answer!.storeStats.buckets.filter((b) => signature(b) !== (d!.buckets.get(b.start) ?? zero));
      if (differing.length) throw new Error(`${differing.length} buckets differ from the raw GROUP BY, first ${differing[0].start}: gateway ${signature(differing[0])}, raw ${d!.buckets.get(differing[0].start) ?? zero}`);
      viaGateway.sort((a, b) => a - b);
      viaMysql.sort((a, b) => a - b);
      const line = `${interval.padEnd(5)} ${String(answer!.storeStats.buckets.length).padStart(3)} buckets | gateway p50 ${ms(percentile(viaGateway, 50))} p99 ${ms(percentile(viaGateway, 99))} | mysql2 p50 ${ms(percentile(viaMysql, 50))} p99 ${ms(percentile(viaMysql, 99))} | ratio p50 ${(percentile(viaGateway, 50) / percentile(viaMysql, 50)).toFixed(2)} p99 ${(percentile(viaGateway, 99) / percentile(viaMysql, 99)).toFixed(2)}`;
      const cpuLine = `      CPU per request: MariaDB ${ms(mean(dbCpuGateway))} (gateway path) / ${ms(mean(dbCpuMysql))} (mysql2 path), gateway process ${ms(mean(gatewayCpu))}`;
      results.push(line, cpuLine);
      console.log(line);
      console.log(cpuLine);
      console.log(`      checked: ${gwOrders.toLocaleString('en-US')} orders, revenue ${fmt(gwCents)} (both paths equal the loaded data to the cent); every bucket of the gateway (rollups) equals the raw GROUP BY`);
    }
    console.log(`\nstoreStats over one year, buckets + topProducts(10), ${o.rounds} rounds each, load ${loadavg()[0].toFixed(2)}:\n${results.join('\n')}\n${breakdown.join('\n')}`);
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
