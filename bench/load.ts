/**
 * Mixed-workload benchmark against two gateway instances. Not part of the jest suite; run on demand:
 *
 *   npm run bench:load -- [--duration 180] [--concurrency 8] [--stores 4] [--second-server mysql://root@127.0.0.1:3307]
 *
 * Starts two gateway processes (`src/main.ts`) on one fresh MariaDB catalog `pgwload_<hex>`,
 * sharing rate-limit counters in Redis (REDIS_URL, default redis://127.0.0.1:6379), creates a
 * company with a few stores through the API and seeds them through the ingestion API, then drives
 * a mixed workload alternating between the two instances, as a round-robin load balancer would:
 * profile reads, ingestion batches, forgets and the GDPR dashboard. Prints throughput, p50/p99 and
 * errors per operation, and the resident memory of both instances over time. Every database with
 * the bench prefix (and its store users) is dropped at the end, on every configured server.
 */
import 'reflect-metadata';
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseMysqlUrl } from '../src/config';
import { BENCH_RECEIPT_KEY, benchOptions, dropBenchDatabases, MYSQL_URL, percentile, post, Posted, rssOf, SERVER, startServer, stopServer } from './bench-support';

const OPTIONS = benchOptions('Usage: npm run bench:load -- [options]', {
  duration: { help: 'seconds of mixed load', default: 180, min: 1, integer: false, env: 'BENCH_DURATION', arg: 's' },
  concurrency: { help: 'requests in flight', default: 8, min: 1, env: 'BENCH_CONCURRENCY' },
  stores: { help: 'stores of the company', default: 4, min: 1, env: 'BENCH_STORES' },
  'second-server': { help: 'a second MySQL server for every other store (mysql://...)', text: true, arg: 'url' },
}, ['MYSQL_TEST_URL (default mysql://root@127.0.0.1:3306) and REDIS_URL (default redis://127.0.0.1:6379) pick the servers.']);
const DURATION_S = OPTIONS.duration;
const CONCURRENCY = OPTIONS.concurrency;
const STORES = OPTIONS.stores;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECOND = OPTIONS['second-server'];
const CUSTOMERS_PER_STORE = 300;

type Op = 'profile' | 'ingest' | 'forget' | 'dashboard';
const WEIGHTS: [Op, number][] = [['profile', 0.6], ['ingest', 0.25], ['dashboard', 0.1], ['forget', 0.05]];

const PROFILE = `query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email crm { city }
  orders(first: 10){ totalCount edges { node { id total lines { productId quantity } } } }
  visitors { id log(first: 10){ edges { node { type url } } } } preferences { topProducts { productId score } } } }`;
const UPSERT = 'mutation($s:ID!,$c:[CustomerInput!]!){ upsertCustomers(storeId:$s, customers:$c){ accepted suppressed } }';
const EVENTS = 'mutation($s:ID!,$e:[EventInput!]!){ trackEvents(storeId:$s, events:$e){ accepted suppressed } }';
const ORDERS = 'mutation($s:ID!,$o:[OrderInput!]!){ upsertOrders(storeId:$s, orders:$o){ accepted } }';
const FORGET = 'mutation($s:ID!,$q:String!){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { status } } }';
const DASHBOARD = '{ company { gdprDashboard { stores { store { id server } counts { orders visitors emailAddresses } } subProcessors { inUse } } } }';

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

interface Instance {
  url: string;
  child: ChildProcess;
}

async function startInstance(env: NodeJS.ProcessEnv, port: number): Promise<Instance> {
  const { child } = await startServer(['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')], { ...env, PORT: String(port) });
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

/** Setup steps must succeed: a bench on a half-made tenant measures nothing. */
async function must(p: Promise<Posted>): Promise<Record<string, any>> {
  const r = await p;
  if (r.problem) throw new Error(`setup failed: ${r.problem}`);
  return r.data!;
}

/** The bench's databases and their store users, on every configured server. */
async function dropAll(prefix: string): Promise<void> {
  for (const server of [SERVER, ...(SECOND ? [parseMysqlUrl(SECOND)] : [])]) await dropBenchDatabases(prefix, true, server);
}

async function main(): Promise<void> {
  const prefix = `pgwload_${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('hex');
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `${MYSQL_URL}/${prefix}`,
    RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY,
    SUBJECT_HASH_SECRET: secret,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    REDIS_URL,
    RATE_LIMIT_PER_MINUTE: '10000000',
    RETENTION_INTERVAL: '0',
    LOG_LEVEL: 'warn',
    // Two instances on one machine: the default metrics port (9464) fits only one of them.
    METRICS_PORT: 'off',
    ...(SECOND ? { STORE_SERVERS: `eu-2=${SECOND}` } : {}),
  };
  console.log(`Catalog ${prefix} on ${MYSQL_URL}${SECOND ? `, second store server ${SECOND}` : ''}; Redis ${REDIS_URL}`);
  const loadBefore = loadavg()[0];
  const instances: Instance[] = [];
  const stopAll = () => Promise.all(instances.map((i) => stopServer(i.child)));
  try {
    const base = 40000 + Math.floor(Math.random() * 20000);
    // One at a time, so a second that fails to start leaves the first in the list to be stopped.
    instances.push(await startInstance(env, base));
    instances.push(await startInstance(env, base + 1));
    const [a, b] = instances;
    console.log(`Two instances: ${a.url} (pid ${a.child.pid}), ${b.url} (pid ${b.child.pid})`);

    // Setup through the API.
    const company = (await must(post(a.url, adminKey, 'mutation{ createCompany(name:"Load"){ id } }'))).createCompany.id as string;
    const storeIds: string[] = [];
    const servers: string[] = [];
    for (let i = 0; i < STORES; i++) {
      const r = await must(post(i % 2 ? b.url : a.url, adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true}){ id server } }', { c: company, n: `Load store ${i + 1}` }));
      storeIds.push(r.createStore.id);
      servers.push(r.createStore.server);
    }
    console.log(`Stores placed on: ${servers.join(', ')}`);
    const key = (await must(post(a.url, adminKey, 'mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ,PERSONAL_DATA_READ,FORGET,INGEST,SETTINGS_WRITE,AUDIT_READ]){ secret } }', { c: company }))).createApiKey.secret as string;
    const emails = new Map<string, string[]>();
    let seq = 0;
    const t0 = Date.now();
    for (const s of storeIds) {
      const list: string[] = [];
      for (let off = 0; off < CUSTOMERS_PER_STORE; off += 100) {
        const batch = Array.from({ length: 100 }, (_, i) => ({ id: `c${off + i}`, email: `c${off + i}@load.example`, city: pick(['Aarhus', 'Odense', 'Malmö']), age: 20 + ((off + i) % 50) }));
        await must(post(a.url, key, UPSERT, { s, c: batch }));
        await must(post(b.url, key, EVENTS, { s, e: batch.flatMap((c) => [1, 2, 3].map((k) => ({ visitorId: `v-${c.id}`, customerId: c.id, type: k === 3 ? 'CLICK' : 'PAGE_VIEW', url: `https://shop/p/${k}`, productId: `p${(off + k) % 20}` }))) }));
        await must(post(a.url, key, ORDERS, { s, o: batch.map((c) => ({ id: `o-${c.id}`, customerId: c.id, email: c.email, visitorId: `v-${c.id}`, currency: 'EUR', lines: [{ productId: `p${seq++ % 20}`, quantity: 1, unitPrice: 25 }] })) }));
        list.push(...batch.map((c) => c.email));
      }
      emails.set(s, list);
    }
    console.log(`Seeded ${STORES} stores x ${CUSTOMERS_PER_STORE} customers (3 events, 1 order each) through the API in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The mixed workload.
    const lat = new Map<Op, number[]>(WEIGHTS.map(([op]) => [op, []]));
    const errs = new Map<Op, number>(WEIGHTS.map(([op]) => [op, 0]));
    const firstErr = new Map<Op, string>();
    const samples: { s: number; a: number; b: number }[] = [];
    const start = Date.now();
    const deadline = start + DURATION_S * 1000;
    const sampler = setInterval(() => samples.push({ s: (Date.now() - start) / 1000, a: rssOf(a.child.pid!), b: rssOf(b.child.pid!) }), 5000);
    let turn = 0;
    const one = async () => {
      const r = Math.random();
      let acc = 0;
      const op = WEIGHTS.find(([, w]) => (acc += w) >= r)?.[0] ?? 'profile';
      const inst = instances[turn++ % 2];
      const s = pick(storeIds);
      const list = emails.get(s)!;
      const t = performance.now();
      let res;
      if (op === 'profile') res = await post(inst.url, key, PROFILE, { s, q: pick(list) });
      else if (op === 'dashboard') res = await post(inst.url, key, DASHBOARD);
      else if (op === 'forget') res = await post(inst.url, key, FORGET, { s, q: list.splice(Math.floor(Math.random() * list.length), 1)[0] ?? 'nobody@load.example' });
      else {
        const batch = Array.from({ length: 50 }, () => {
          const n = seq++;
          return { id: `n${n}`, email: `n${n}@load.example`, city: 'Vejle' };
        });
        res = await post(inst.url, key, UPSERT, { s, c: batch });
        if (!res.problem) res = await post(inst.url, key, EVENTS, { s, e: batch.map((c) => ({ visitorId: `v-${c.id}`, customerId: c.id, type: 'PAGE_VIEW', url: 'https://shop/' })) });
        if (!res.problem) list.push(...batch.slice(0, 5).map((c) => c.email));
      }
      lat.get(op)!.push(performance.now() - t);
      if (res.problem) {
        errs.set(op, errs.get(op)! + 1);
        if (!firstErr.has(op)) firstErr.set(op, res.problem);
      }
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < deadline) await one();
      }),
    );
    clearInterval(sampler);
    samples.push({ s: (Date.now() - start) / 1000, a: rssOf(a.child.pid!), b: rssOf(b.child.pid!) });
    const elapsed = (Date.now() - start) / 1000;

    console.log(`\n=== Summary: ${elapsed.toFixed(0)} s, ${CONCURRENCY} in flight, alternating between 2 instances ===`);
    console.log('operation    requests  req/s   p50 ms   p99 ms   max ms  errors');
    console.log('-----------  --------  -----  -------  -------  -------  ------');
    let total = 0;
    let totalErr = 0;
    for (const [op] of WEIGHTS) {
      const xs = lat.get(op)!.sort((x, y) => x - y);
      total += xs.length;
      totalErr += errs.get(op)!;
      console.log(`${op.padEnd(11)}  ${String(xs.length).padStart(8)}  ${(xs.length / elapsed).toFixed(1).padStart(5)}  ${percentile(xs, 50).toFixed(1).padStart(7)}  ${percentile(xs, 99).toFixed(1).padStart(7)}  ${(xs[xs.length - 1] ?? NaN).toFixed(1).padStart(7)}  ${String(errs.get(op)).padStart(6)}`);
    }
    console.log(`all          ${String(total).padStart(8)}  ${(total / elapsed).toFixed(1).padStart(5)}  error rate ${((100 * totalErr) / Math.max(1, total)).toFixed(2)} %  (an ingest op is two requests)`);
    for (const [op, e] of firstErr) console.log(`first ${op} error: ${e}`);
    console.log('\nresident memory (MiB)\n   t s   instance A   instance B');
    for (const s of samples) console.log(`${s.s.toFixed(0).padStart(6)}  ${String(Math.round(s.a / 1048576)).padStart(11)}  ${String(Math.round(s.b / 1048576)).padStart(11)}`);
    console.log(`\nLoad average (1 min) at start / end: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
    if (totalErr) process.exitCode = 1;
  } finally {
    await stopAll();
    await dropAll(prefix);
    console.log(`Dropped the ${prefix} databases`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
