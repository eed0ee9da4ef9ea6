/**
 * Forget benchmark on MariaDB/MySQL. Not part of the jest suite; run on demand:
 *
 *   npm run bench:forget -- [--keep] [--batch 1000] [--concurrency 8] [--background 1]
 *
 * It starts an in-process gateway on a throw-away catalog database (`pgwbenchf_<hex>`), creates
 * a company, a store and an all-scope key through the GraphQL API, bulk-loads the store
 * database directly, and times `forgetCustomer` over HTTP against the same store-side SQL
 * issued directly with mysql2:
 *
 *   A. one heavy person (1,000 orders, 10 visitors, 10,000 visit events), once each way;
 *   B. a batch of ordinary customers (~2 orders, ~10 events each), through the API one at a
 *      time and with several in flight, and directly (one transaction per person).
 *
 * After each scenario it checks the forgotten people are gone and the background data is
 * intact, and fails loudly otherwise. Every database with the bench prefix is dropped at the
 * end, even on failure or Ctrl-C, unless --keep.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Connection, createConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Gateway } from '../src/app';
import type { Config } from '../src/config';
import {
  BulkWriter,
  countBackground,
  EraseCounts,
  expectedCounts,
  finishLoading,
  heavyPlan,
  ordinaryPlan,
  PersonPlan,
  prepareForLoading,
  seedBackground,
  seedPerson,
} from './forget-seed';
import { benchGatewayConfig, benchOptions, createBenchTenant, dropBenchDatabases, listenGateway, gql, MYSQL_URL, percentile, SERVER, sleep, storeConnection, table } from './bench-support';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

interface Options {
  keep: boolean;
  /** Ordinary customers per cohort in scenario B. */
  batch: number;
  concurrency: number;
  /** Background volume factor: 1 = 5,000 customers, 20,000 orders, 100,000 events. */
  background: number;
  /** Pause before each timed section, so background flushing after a load settles a little. */
  settleMs: number;
}

function readOptions(): Options {
  const v = benchOptions(
    'Usage: npm run bench:forget -- [options]',
    {
      keep: { help: 'keep the bench databases afterwards', flag: true },
      batch: { help: 'ordinary customers per cohort in scenario B', default: 1000, min: 1 },
      concurrency: { help: 'forgets in flight in the concurrent runs', default: 8, min: 1 },
      background: { help: 'background volume, 1 = 5k customers/20k orders/100k events', default: 1, min: 0, integer: false, arg: 'f' },
      settle: { help: 'pause before each timed section', default: 2, min: 0, integer: false, arg: 's' },
    },
    ['MYSQL_TEST_URL (default mysql://root@127.0.0.1:3306) picks the server.'],
  );
  return { keep: v.keep, batch: v.batch, concurrency: v.concurrency, background: v.background, settleMs: v.settle * 1000 };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const n = (x: number) => x.toLocaleString('en-US');


function sameCounts(a: EraseCounts, b: EraseCounts): boolean {
  return a.customersDeleted === b.customersDeleted && a.ordersAnonymized === b.ordersAnonymized && a.visitorsDeleted === b.visitorsDeleted && a.eventsDeleted === b.eventsDeleted;
}

const showCounts = (c: EraseCounts) => `customers ${c.customersDeleted}, orders ${n(c.ordersAnonymized)}, visitors ${c.visitorsDeleted}, events ${n(c.eventsDeleted)}`;


// ---------------------------------------------------------------------------------------------
// The API path
// ---------------------------------------------------------------------------------------------



const FORGET = `mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests {
  status customersDeleted ordersAnonymized visitorsDeleted eventsDeleted alreadyForgotten failure } } }`;

interface Api {
  url: string;
  key: string;
  storeId: string;
}

/** One forget over HTTP; throws unless it completed with exactly the counts the plan implies. */
async function forgetViaApi(api: Api, p: PersonPlan): Promise<EraseCounts> {
  const data = await gql(api.url, api.key, FORGET, { q: p.email, s: api.storeId });
  const requests = data.forgetCustomer.requests as (EraseCounts & { status: string; failure: string | null })[];
  const r = requests[0];
  if (requests.length !== 1 || r.status !== 'COMPLETED') throw new Error(`forget of ${p.email} did not complete: ${JSON.stringify(requests)}`);
  const counts = { customersDeleted: r.customersDeleted, ordersAnonymized: r.ordersAnonymized, visitorsDeleted: r.visitorsDeleted, eventsDeleted: r.eventsDeleted };
  if (!sameCounts(counts, expectedCounts(p))) throw new Error(`forget of ${p.email} via the API erased ${showCounts(counts)}; expected ${showCounts(expectedCounts(p))}`);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The direct path: the store-side statements of forget.service.ts, issued through mysql2
// ---------------------------------------------------------------------------------------------

/** Rows per statement, as in src/services/privacy/erase.ts. */
const CHUNK = 500;

const union = (a: string[], b: (string | null)[]) => [...new Set([...a, ...b.filter((x): x is string => !!x)])];

/** `col IN (?)` for each non-empty list, OR-ed (footprint.ts's anyOf); matches nothing when all are empty. */
function anyOf(conditions: [string, string[]][]): [string, unknown[]] {
  const live = conditions.filter(([, values]) => values.length > 0);
  if (live.length === 0) return ['1 = 0', []];
  return [live.map(([col]) => `\`${col}\` IN (?)`).join(' OR '), live.map(([, values]) => values)];
}

/**
 * The same statements a forget runs in the store database, in one transaction: the subject
 * lock, the footprint SELECTs as person-links.ts follows them (customers by ID/e-mail, visitors
 * by customer or e-mail, orders by customer, e-mail or visitor, then the visitors and orders of
 * any visitor an order brought, until nothing new), then the erase in chunks of 500.
 * `query` (client-side interpolation) as TypeORM's mysql driver uses. Returns the counts and
 * the number of statements sent.
 */
async function forgetDirect(c: Connection, email: string): Promise<{ counts: EraseCounts; statements: number }> {
  let statements = 0;
  const select = async (table: string, conditions: [string, string[]][]) => {
    const [where, params] = anyOf(conditions);
    statements++;
    return (await c.query<RowDataPacket[]>(`SELECT * FROM \`${table}\` WHERE ${where}`, params))[0];
  };
  const inChunks = async (ids: string[], sql: string) => {
    let affected = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      statements++;
      affected += (await c.query<ResultSetHeader>(sql, [ids.slice(i, i + CHUNK)]))[0].affectedRows;
    }
    return affected;
  };

  statements++;
  await c.query('START TRANSACTION');
  try {
    statements++;
    await c.query("SELECT `name` FROM `store_locks` WHERE `name` = 'subjects' FOR UPDATE");
    const emails = [email];
    const customers = await select('customers', [['email', emails]]);
    const customerIds = union([], customers.map((r) => r.id));
    const visitors = await select('visitors', [['customerId', customerIds], ['email', emails]]);
    const visitorIdsKnown = union([], visitors.map((v) => v.id));
    const orders = await select('orders', [['customerId', customerIds], ['email', emails], ['visitorId', visitorIdsKnown]]);
    // Visitors only an order names: theirs too, with their orders (the heavy person has none).
    const brought = union([], orders.map((o) => o.visitorId)).filter((v) => !visitorIdsKnown.includes(v));
    if (brought.length) {
      visitors.push(...(await select('visitors', [['id', brought]])));
      orders.push(...(await select('orders', [['visitorId', brought]])).filter((o) => !orders.some((x) => x.id === o.id)));
    }

    const visitorIds = visitors.map((v) => v.id as string);
    const counts: EraseCounts = {
      eventsDeleted: await inChunks(visitorIds, 'DELETE FROM `visit_events` WHERE `visitorId` IN (?)'),
      visitorsDeleted: await inChunks(visitorIds, 'DELETE FROM `visitors` WHERE `id` IN (?)'),
      ordersAnonymized: await inChunks(
        orders.map((o) => o.id as string),
        'UPDATE `orders` SET `customerId` = NULL, `email` = NULL, `visitorId` = NULL, `anonymized` = 1 WHERE `id` IN (?)',
      ),
      customersDeleted: await inChunks(customers.map((r) => r.id as string), 'DELETE FROM `customers` WHERE `id` IN (?)'),
    };
    statements++;
    await c.query('COMMIT');
    return { counts, statements };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function forgetDirectChecked(c: Connection, p: PersonPlan): Promise<number> {
  const { counts, statements } = await forgetDirect(c, p.email);
  if (!sameCounts(counts, expectedCounts(p))) throw new Error(`direct forget of ${p.email} erased ${showCounts(counts)}; expected ${showCounts(expectedCounts(p))}`);
  return statements;
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/** Fails loudly if any trace of these people is left, or their orders are not kept anonymized. */
async function assertForgotten(c: Connection, people: PersonPlan[], label: string): Promise<void> {
  const emails = people.map((p) => p.email);
  const ids = people.map((p) => p.id);
  const visitorIds = people.flatMap((p) => Array.from({ length: p.visitors }, (_, v) => `${p.id}-v${String(v).padStart(2, '0')}`));
  const orderIds = people.flatMap((p) => Array.from({ length: p.orders }, (_, o) => `${p.id}-o${String(o).padStart(4, '0')}`));
  const [rows] = await c.query<RowDataPacket[]>(
    `SELECT
       (SELECT COUNT(*) FROM customers WHERE email IN (?) OR id IN (?)) AS customers,
       (SELECT COUNT(*) FROM orders WHERE email IN (?) OR customerId IN (?) OR visitorId IN (?)) AS orders,
       (SELECT COUNT(*) FROM visitors WHERE email IN (?) OR customerId IN (?) OR id IN (?)) AS visitors,
       (SELECT COUNT(*) FROM visit_events WHERE visitorId IN (?)) AS visit_events,
       (SELECT COUNT(*) FROM orders WHERE id IN (?) AND anonymized = 1) AS anonymized`,
    [emails, ids, emails, ids, visitorIds, emails, ids, visitorIds, visitorIds, orderIds],
  );
  const r = Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
  const left = ['customers', 'orders', 'visitors', 'visit_events'].filter((t) => r[t] !== 0);
  if (left.length || r.anonymized !== orderIds.length) {
    throw new Error(`VERIFY FAILED (${label}): ${JSON.stringify(r)}; expected 0 rows left and ${orderIds.length} anonymized orders kept`);
  }
  console.log(`  verified (${label}): ${people.length} ${people.length === 1 ? 'person' : 'people'} gone from customers/orders/visitors/visit_events; ${n(orderIds.length)} orders kept, anonymized`);
}

async function assertBackgroundIntact(c: Connection, before: Record<string, number>, label: string): Promise<void> {
  const now = await countBackground(c);
  if (JSON.stringify(now) !== JSON.stringify(before)) throw new Error(`VERIFY FAILED (${label}): background data changed from ${JSON.stringify(before)} to ${JSON.stringify(now)}`);
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------

interface BatchResult {
  name: string;
  inFlight: number;
  people: number;
  ms: number;
  latencies: number[];
  /** Statements per forget: [store, catalog]; the catalog is untouched on the direct path. */
  statements: [number, number];
  /** CPU time of this Node process per forget (gateway and client together on the API paths). */
  cpuMs: number;
}

/** Runs `one` over `items` with `inFlight` workers (worker index passed on), timing each call. */
async function runBatch<T>(items: T[], inFlight: number, one: (item: T, worker: number) => Promise<void>): Promise<{ ms: number; latencies: number[]; cpuMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      while (next < items.length) {
        const p = items[next++];
        const t0 = performance.now();
        await one(p, worker);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, latencies, cpuMs: (used.user + used.system) / 1000 / items.length };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/** Drops the catalog and every store database (they share its name as prefix). */

interface Probe {
  roundTripMs: number;
  commitMs: number;
}

/**
 * The two unit costs that explain most of the numbers: a statement round trip (SELECT 1) and
 * a durable commit (a one-row autocommit INSERT into a scratch table), medians of 100 each.
 * The scratch database carries the bench prefix, so cleanup drops it even if this fails.
 */
async function probeServer(database: string): Promise<Probe> {
  const c = await createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password });
  const median = async (work: (i: number) => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await work(i);
      times.push(performance.now() - t0);
    }
    return percentile(times.sort((x, y) => x - y), 50);
  };
  try {
    await c.query(`CREATE DATABASE \`${database}\``);
    await c.query(`CREATE TABLE \`${database}\`.\`t\` (\`id\` int NOT NULL AUTO_INCREMENT PRIMARY KEY, \`v\` varchar(64) NOT NULL) ENGINE=InnoDB`);
    const roundTripMs = await median(() => c.query('SELECT 1'));
    const commitMs = await median((i) => c.query(`INSERT INTO \`${database}\`.\`t\` (\`v\`) VALUES (?)`, [`probe ${i}`]));
    return { roundTripMs, commitMs };
  } finally {
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
    await c.end();
  }
}

interface HeavyResult {
  apiMs: number;
  apiCounts: EraseCounts;
  apiStatements: [number, number];
  directMs: number;
  directStatements: number;
}

async function main(): Promise<void> {
  const o = readOptions();
  const catalogDb = `pgwbenchf_${randomBytes(4).toString('hex')}`;
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  let gateway: Gateway | null = null;
  // Known once the gateway is configured: cleanup drops the store users it derives from it.
  let config: Config | null = null;
  const connections: Connection[] = [];
  let cleaned = false;

  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of connections) await c.end().catch(() => undefined);
    if (gateway) await gateway.stop().catch((e: unknown) => console.error('stopping the gateway failed:', e));
    if (o.keep) {
      console.log(`\n--keep: databases ${catalogDb} and ${catalogDb}_s_* are left in place.`);
      return;
    }
    try {
      const dropped = await dropBenchDatabases(catalogDb, config);
      console.log(`\nDropped ${dropped.length} database(s) and their store users: ${dropped.join(', ') || '(none)'}`);
    } catch (err) {
      // Reported, not thrown: the error that got us here matters more.
      console.error(`\nDropping ${catalogDb}* failed (drop them by hand):`, err);
      process.exitCode = 1;
    }
  };
  // `on`, not `once`: Apollo stops itself on SIGINT/SIGTERM and re-raises the signal, which
  // would otherwise end the process before the databases are dropped.
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}; cleaning up...`);
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    console.log(`Bench catalog database: ${catalogDb} on ${MYSQL_URL.replace(/\/\/[^@]*@/, '//')}`);
    config = benchGatewayConfig(catalogDb, adminKey);
    const started = await listenGateway(config);
    gateway = started.gateway;
    const url = started.url;
    const gw = started.gateway;
    const observer = gw.services.observer;

    // Tenant through the API, exactly as an operator would set one up.
    const { storeId, key } = await createBenchTenant(url, adminKey, 'Forget Bench');
    const api: Api = { url, key, storeId };

    const catalogConn = await createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: catalogDb });
    connections.push(catalogConn);
    const [storeRows] = await catalogConn.query<RowDataPacket[]>('SELECT `databaseName` FROM `stores` WHERE `id` = ?', [storeId]);
    const storeDb = storeRows[0].databaseName as string;
    const [[info]] = await catalogConn.query<RowDataPacket[]>('SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS flush, @@innodb_buffer_pool_size AS pool');
    const env = `${os.cpus().length} cores (shared with other work; load average at start ${os.loadavg()[0].toFixed(2)}), Node ${process.version}, ${info.v}, innodb_flush_log_at_trx_commit=${info.flush}, buffer pool ${Math.round(Number(info.pool) / 1048576)} MiB`;
    console.log(`Store ${storeId} in ${storeDb}\n${env}`);
    const probe = await probeServer(`${catalogDb}_probe`);
    console.log(`Server probe: SELECT 1 round trip ${fmtMs(probe.roundTripMs)}, one-row autocommit INSERT (a durable commit) ${fmtMs(probe.commitMs)} (medians of 100)`);

    // One connection for loading and checks, one per worker for the direct forgets.
    const loader = await storeConnection(storeDb);
    connections.push(loader);
    const direct = await Promise.all(Array.from({ length: o.concurrency }, () => storeConnection(storeDb)));
    connections.push(...direct);
    const load = async (work: (w: BulkWriter) => Promise<void>) => {
      await prepareForLoading(loader);
      const w = new BulkWriter(loader);
      await work(w);
      await w.flush();
      await finishLoading(loader);
      return w.inserted;
    };

    // Background, a few warm-up people, and heavy person A.
    const bg = { customers: Math.round(5000 * o.background), orders: Math.round(20_000 * o.background), events: Math.round(100_000 * o.background) };
    const warmups = Array.from({ length: 20 }, (_, i) => ordinaryPlan('warm', i));
    const heavyA = heavyPlan('heavy-a');
    let t0 = performance.now();
    const loaded = await load(async (w) => {
      await seedBackground(w, bg, 1);
      for (const [i, p] of warmups.entries()) await seedPerson(w, p, 100 + i);
      await seedPerson(w, heavyA, 7);
    });
    console.log(`Seeded background + heavy person A in ${fmtMs(performance.now() - t0)}: ${Object.entries(loaded).map(([t, c]) => `${t} ${n(c)}`).join(', ')}`);
    const background = await countBackground(loader);

    // Warm-up, untimed: the store's DataSource opens and both code paths are exercised once.
    for (const p of warmups.slice(0, 10)) await forgetViaApi(api, p);
    for (const p of warmups.slice(10)) await forgetDirectChecked(direct[0], p);
    await assertForgotten(loader, warmups, 'warm-up');

    // The fixed cost of any authenticated request (HTTP, key lookup, GraphQL), to set against the forgets.
    for (let i = 0; i < 50; i++) await gql(url, key, '{ __typename }');
    const baseline = await runBatch(Array.from({ length: 200 }), 1, async () => void (await gql(url, key, '{ __typename }')));
    const baselineP50 = percentile(baseline.latencies.sort((x, y) => x - y), 50);
    console.log(`Baseline authenticated request ({ __typename }): p50 ${fmtMs(baselineP50)}`);

    // ---- Scenario A: heavy person ----------------------------------------------------------
    console.log('\nScenario A: heavy person (1 customer, 1,000 orders, 10 visitors, 10,000 events)');
    await sleep(o.settleMs);
    observer.reset();
    t0 = performance.now();
    const apiCounts = await forgetViaApi(api, heavyA);
    const apiMs = performance.now() - t0;
    const apiStatements: [number, number] = [observer.total((l) => l.startsWith('store:')), observer.total((l) => l === 'catalog')];
    console.log(`  API forgetCustomer: ${fmtMs(apiMs)}; returned ${showCounts(apiCounts)}`);
    await assertForgotten(loader, [heavyA], 'A, API');

    // An identical second person (same shape and generator seed, other IDs), forgotten directly.
    const heavyB = heavyPlan('heavy-b');
    await load((w) => seedPerson(w, heavyB, 7));
    await sleep(o.settleMs);
    t0 = performance.now();
    const directStatements = await forgetDirectChecked(direct[0], heavyB);
    const directMs = performance.now() - t0;
    console.log(`  direct mysql2: ${fmtMs(directMs)}`);
    await assertForgotten(loader, [heavyB], 'A, direct');
    await assertBackgroundIntact(loader, background, 'A');
    const heavy: HeavyResult = { apiMs, apiCounts, apiStatements, directMs, directStatements };

    // ---- Scenario B: a batch of ordinary customers -----------------------------------------
    // One cohort per run: a person forgotten once is a no-op the second time.
    const cohorts = {
      apiSeq: Array.from({ length: o.batch }, (_, i) => ordinaryPlan('api-seq', i)),
      apiPar: Array.from({ length: o.batch }, (_, i) => ordinaryPlan('api-par', i)),
      svcSeq: Array.from({ length: o.batch }, (_, i) => ordinaryPlan('svc-seq', i)),
      dirSeq: Array.from({ length: o.batch }, (_, i) => ordinaryPlan('dir-seq', i)),
      dirPar: Array.from({ length: o.batch }, (_, i) => ordinaryPlan('dir-par', i)),
    };
    const perPerson = expectedCounts(cohorts.apiSeq[0]);
    const cohortTotals = cohorts.apiSeq.reduce((t, p) => ({ orders: t.orders + p.orders, visitors: t.visitors + p.visitors, events: t.events + p.events }), { orders: 0, visitors: 0, events: 0 });
    console.log(
      `\nScenario B: ${n(o.batch)} ordinary customers per run (${n(cohortTotals.orders)} orders, ${n(cohortTotals.visitors)} visitors, ${n(cohortTotals.events)} events per cohort; first: ${showCounts(perPerson)})`,
    );
    t0 = performance.now();
    await load(async (w) => {
      // Interleaved, so no cohort sits in a tidier part of the indexes than another.
      for (let i = 0; i < o.batch; i++) for (const [c, cohort] of Object.values(cohorts).entries()) await seedPerson(w, cohort[i], 1000 + i * 8 + c);
    });
    console.log(`  seeded ${Object.keys(cohorts).length} cohorts in ${fmtMs(performance.now() - t0)}`);

    const batches: BatchResult[] = [];
    const viaApi = async (name: string, people: PersonPlan[], inFlight: number) => {
      await sleep(o.settleMs);
      observer.reset();
      const r = await runBatch(people, inFlight, async (p) => void (await forgetViaApi(api, p)));
      const statements: [number, number] = [observer.total((l) => l.startsWith('store:')) / people.length, observer.total((l) => l === 'catalog') / people.length];
      batches.push({ name, inFlight, people: people.length, ...r, statements });
      console.log(`  ${name}, ${inFlight} in flight: ${fmtMs(r.ms)}`);
      await assertForgotten(loader, people, name);
    };
    // ForgetService called in-process with the context an HTTP request with this key gets:
    // everything but HTTP and GraphQL, so the two layers of overhead can be told apart.
    const viaService = async (name: string, people: PersonPlan[]) => {
      await sleep(o.settleMs);
      observer.reset();
      const r = await runBatch(people, 1, async (p) => {
        const [outcome] = await gw.services.forget.forget(await gw.contextFor(key), { idOrEmail: p.email }, storeId);
        if (outcome.status !== 'COMPLETED' || !sameCounts(outcome, expectedCounts(p))) throw new Error(`service forget of ${p.email}: ${outcome.status}, ${showCounts(outcome)}`);
      });
      const statements: [number, number] = [observer.total((l) => l.startsWith('store:')) / people.length, observer.total((l) => l === 'catalog') / people.length];
      batches.push({ name, inFlight: 1, people: people.length, ...r, statements });
      console.log(`  ${name}, 1 in flight: ${fmtMs(r.ms)}`);
      await assertForgotten(loader, people, name);
    };
    const viaMysql = async (name: string, people: PersonPlan[], inFlight: number) => {
      await sleep(o.settleMs);
      let statements = 0;
      const r = await runBatch(people, inFlight, async (p, worker) => {
        const sent = await forgetDirectChecked(direct[worker], p); // awaited first: `x += await` would race
        statements += sent;
      });
      batches.push({ name, inFlight, people: people.length, ...r, statements: [statements / people.length, 0] });
      console.log(`  ${name}, ${inFlight} in flight: ${fmtMs(r.ms)}`);
      await assertForgotten(loader, people, name);
    };
    await viaApi('API forgetCustomer', cohorts.apiSeq, 1);
    await viaApi('API forgetCustomer', cohorts.apiPar, o.concurrency);
    await viaService('ForgetService in-process', cohorts.svcSeq);
    await viaMysql('direct mysql2', cohorts.dirSeq, 1);
    await viaMysql('direct mysql2', cohorts.dirPar, o.concurrency);
    await assertBackgroundIntact(loader, background, 'B');

    printSummary(o, env, { ...probe, baselineMs: baselineP50 }, bg, heavy, batches);
  } finally {
    await cleanup();
  }
}

function printSummary(o: Options, env: string, probe: Probe & { baselineMs: number }, bg: { customers: number; orders: number; events: number }, a: HeavyResult, batches: BatchResult[]): void {
  console.log('\n=== Summary ===');
  console.log(env);
  console.log(`Server probe (medians of 100): SELECT 1 round trip ${fmtMs(probe.roundTripMs)}; one-row autocommit INSERT, i.e. a durable commit, ${fmtMs(probe.commitMs)}.`);
  console.log(`Baseline authenticated GraphQL request over HTTP ({ __typename }, sequential): p50 ${fmtMs(probe.baselineMs)}.`);
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min).`);
  console.log(`Background: ${n(bg.customers)} customers (${n(bg.customers * 2)} visitors), ${n(bg.orders)} orders, ${n(bg.events)} visit events. Gateway and client share this Node process.\n`);

  console.log('Scenario A: one heavy person (1 customer, 1,000 orders, 10 visitors, 10,000 visit events)\n');
  console.log(
    table([
      ['path', 'time', 'store stmts', 'catalog stmts'],
      ['API forgetCustomer over HTTP', fmtMs(a.apiMs), String(a.apiStatements[0]), String(a.apiStatements[1])],
      ['direct mysql2, one transaction', fmtMs(a.directMs), String(a.directStatements), '0'],
      ['ratio API / direct', `${(a.apiMs / a.directMs).toFixed(2)}x`, '', ''],
    ]),
  );
  console.log(`\nAPI returned: ${showCounts(a.apiCounts)}.`);
  console.log('The API time also covers HTTP + GraphQL + key lookup and the catalog writes (ledger insert/update, suppression list, audit entry).\n');

  console.log(`Scenario B: ${n(o.batch)} ordinary customers per run (~2 orders, ~1.5 visitors, ~10 events each)\n`);
  console.log(
    table([
      ['path', 'in flight', 'total', 'forgets/s', 'p50', 'p99', 'max', 'store stmts', 'catalog stmts', 'node CPU'],
      ...batches.map((b) => {
        const sorted = [...b.latencies].sort((x, y) => x - y);
        return [
          b.name,
          String(b.inFlight),
          fmtMs(b.ms),
          (b.people / (b.ms / 1000)).toFixed(0),
          fmtMs(percentile(sorted, 50)),
          fmtMs(percentile(sorted, 99)),
          fmtMs(sorted[sorted.length - 1]),
          b.statements[0].toFixed(1),
          b.statements[1].toFixed(1),
          fmtMs(b.cpuMs),
        ];
      }),
    ]),
  );
  const [apiSeq, , svcSeq, dirSeq] = batches;
  const p50 = (b: BatchResult) => percentile([...b.latencies].sort((x, y) => x - y), 50);
  console.log(`\nSequential, total time: API / direct ${(apiSeq.ms / dirSeq.ms).toFixed(2)}x, API / service ${(apiSeq.ms / svcSeq.ms).toFixed(2)}x, service / direct ${(svcSeq.ms / dirSeq.ms).toFixed(2)}x`);
  console.log(`Sequential, p50: API ${fmtMs(p50(apiSeq))} = service ${fmtMs(p50(svcSeq))} + HTTP/GraphQL ${fmtMs(p50(apiSeq) - p50(svcSeq))}; direct ${fmtMs(p50(dirSeq))}.`);
  console.log('Statements and node CPU are per forget; statements include START TRANSACTION and COMMIT on every path, the catalog ones the API key lookup.');
  console.log('node CPU is this process (gateway and client share it; the direct rows are the mysql2 client alone).');
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exitCode = 1;
});
