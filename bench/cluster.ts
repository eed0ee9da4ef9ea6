/**
 * The mixed load against one MariaDB node, then against a 3-node Galera cluster, then against the
 * cluster while a node is killed. Not part of the jest suite; run on demand (as root, with
 * galera-4 and rsync installed):
 *
 *   npm run bench:cluster -- [--duration 20] [--concurrency 8]
 *
 * Starts its own private servers (test/support/private-mariadb.ts, test/support/galera-cluster.ts)
 * and two gateway instances in this process, preferring different nodes, with the load split
 * between them as a round-robin balancer would: 60% profile reads, 30% ingestion batches of 20
 * customers, 10% forgets. Prints throughput, p50/p99 per operation and errors; for the kill, the
 * errors after it, the time until the gateways served again, and the time the node took to rejoin.
 * Everything it started is stopped and its data folders removed. Figures: bench/CLUSTER.md.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Gateway } from '../src/app';
import { loadConfig } from '../src/config';
import { BENCH_RECEIPT_KEY, listenGateway, percentile, sleep, table } from './bench-support';
import { galeraMissing, startGaleraCluster } from '../test/support/galera-cluster';
import { startPrivateMariadb } from '../test/support/private-mariadb';
import { gqlClient, GqlResult, ok } from '../test/support/gateway';

const { values } = parseArgs({ options: { duration: { type: 'string' }, concurrency: { type: 'string' } } });
const DURATION_S = Number(values.duration ?? process.env.BENCH_DURATION ?? 20);
const CONCURRENCY = Number(values.concurrency ?? process.env.BENCH_CONCURRENCY ?? 8);
const PEOPLE = 400;
const WARMUP_S = 3;

type Op = 'profile' | 'ingest' | 'forget';
const PROFILE = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email orders(first:5){ totalCount } visitors { id } } }';
const UPSERT = 'mutation($s:ID!,$c:[CustomerInput!]!){ upsertCustomers(storeId:$s, customers:$c){ accepted suppressed } }';
const FORGET = 'mutation($s:ID!,$q:String!){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { status } } }';

interface Instance {
  gateway: Gateway;
  gql: ReturnType<typeof gqlClient>;
  dir: string;
}

async function startInstance(url: string, secret: string, adminKey: string): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'pgw-bench-cluster-'));
  const config = loadConfig({
    DATABASE_URL: url, SUBJECT_HASH_SECRET: secret, RECEIPT_SIGNING_KEY: BENCH_RECEIPT_KEY, BOOTSTRAP_ADMIN_KEY: adminKey, DATA_DIR: dir, SEED_DEMO: '0', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', METRICS_PORT: 'off',
    LEASE_TTL: '3s', FORGET_RECOVERY_INTERVAL: '1s', RETENTION_INTERVAL: '0', DB_PROBE_INTERVAL: '250ms', DB_CONNECT_TIMEOUT_MS: '1000', RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const started = await listenGateway(config);
  return { gateway: started.gateway, gql: gqlClient(started.url), dir };
}

/** A company with two stores, seeded with PEOPLE customers each; returns the key and store IDs. */
async function seed(i: Instance, adminKey: string): Promise<{ key: string; stores: string[] }> {
  const { createCompany } = ok(await i.gql<{ createCompany: { id: string } }>(adminKey, 'mutation{ createCompany(name:"Bench"){ id } }'));
  const stores: string[] = [];
  for (const n of ['one', 'two']) {
    const r = ok(await i.gql<{ createStore: { id: string } }>(adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true}){ id } }', { c: createCompany.id, n }));
    stores.push(r.createStore.id);
  }
  const key = ok(await i.gql<{ createApiKey: { secret: string } }>(adminKey, 'mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ, PERSONAL_DATA_READ, FORGET, INGEST]){ secret } }', { c: createCompany.id })).createApiKey.secret;
  for (const s of stores) {
    for (let k = 0; k < PEOPLE; k += 200) {
      ok(await i.gql(key, UPSERT, { s, c: Array.from({ length: 200 }, (_, j) => ({ id: `seed-${k + j}`, email: `seed-${k + j}@example.dk`, city: 'Odense' })) }));
    }
  }
  return { key, stores };
}

interface Sample {
  op: Op;
  start: number;
  end: number;
  code: string | null;
}

/** Runs the mixed load for `seconds`; `during(t0)` runs beside it (the node kill). */
async function load(instances: Instance[], key: string, stores: string[], seconds: number, during?: (t0: number) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const t0 = Date.now();
  const until = t0 + seconds * 1000;
  let seq = 0;
  let forgetNext = 0;
  const worker = async (w: number) => {
    let n = 0;
    while (Date.now() < until) {
      const inst = instances[n++ % instances.length];
      const s = stores[(w + n) % stores.length];
      const roll = Math.random();
      const op: Op = roll < 0.6 ? 'profile' : roll < 0.9 ? 'ingest' : 'forget';
      const start = Date.now();
      let r: GqlResult;
      if (op === 'profile') r = await inst.gql(key, PROFILE, { s, q: `seed-${Math.floor(Math.random() * PEOPLE)}@example.dk` });
      else if (op === 'ingest') r = await inst.gql(key, UPSERT, { s, c: Array.from({ length: 20 }, () => ({ id: `b-${seq}`, email: `b-${seq++}@example.dk` })) });
      else r = await inst.gql(key, FORGET, { s, q: `seed-${forgetNext++ % PEOPLE}@example.dk` });
      samples.push({ op, start, end: Date.now(), code: r.errors?.length ? String(r.errors[0].extensions?.code) : null });
    }
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, (_, w) => worker(w)), during?.(t0)]);
  return samples;
}

function report(title: string, samples: Sample[], seconds: number): void {
  const rows = [['operation', 'requests', 'per second', 'p50 ms', 'p99 ms', 'errors']];
  for (const op of ['profile', 'ingest', 'forget', 'all'] as const) {
    const mine = samples.filter((s) => op === 'all' || s.op === op);
    const okLat = mine.filter((s) => !s.code).map((s) => s.end - s.start).sort((x, y) => x - y);
    const errors = mine.filter((s) => s.code);
    rows.push([op, String(mine.length), (mine.length / seconds).toFixed(1), String(percentile(okLat, 50)), String(percentile(okLat, 99)), `${errors.length}${errors.length ? ` (${[...new Set(errors.map((e) => e.code))].join(', ')})` : ''}`]);
  }
  process.stdout.write(`\n### ${title}\n\n${table(rows)}\n`);
}

async function main(): Promise<void> {
  const missing = galeraMissing();
  if (missing) throw new Error(`bench:cluster needs Galera: ${missing}`);
  const secret = randomBytes(32).toString('hex');
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  const db = `pgwbc_${randomBytes(3).toString('hex')}`;
  process.stdout.write(`bench:cluster: ${DURATION_S} s per phase, ${CONCURRENCY} concurrent clients, 2 gateway instances in this process\n`);

  // One node.
  // Tuned as the cluster's nodes are (galera-cluster.ts): same buffer pool, same log flushing.
  const single = await startPrivateMariadb(['--innodb-buffer-pool-size=64M', '--innodb-flush-log-at-trx-commit=2']);
  try {
    const insts = [await startInstance(`${single.url}/${db}`, secret, adminKey), await startInstance(`${single.url}/${db}`, secret, adminKey)];
    const { key, stores } = await seed(insts[0], adminKey);
    await load(insts, key, stores, WARMUP_S); // pools open, code warm: not measured
    report('One MariaDB node', await load(insts, key, stores, DURATION_S), DURATION_S);
    for (const i of insts) await i.gateway.stop().then(() => rmSync(i.dir, { recursive: true, force: true }));
  } finally {
    await single.stop();
  }

  // The cluster, then a node killed under the load.
  const t = Date.now();
  const cluster = await startGaleraCluster(3);
  process.stdout.write(`\n3-node cluster synced in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  try {
    const insts = [await startInstance(cluster.url(db, [0, 1, 2]), secret, adminKey), await startInstance(cluster.url(db, [1, 0, 2]), secret, adminKey)];
    const { key, stores } = await seed(insts[0], adminKey);
    await load(insts, key, stores, WARMUP_S);
    report('3-node Galera cluster (two instances, first choices node 1 and node 2)', await load(insts, key, stores, DURATION_S), DURATION_S);

    let killedAt = 0;
    let rejoinMs = 0;
    const samples = await load(insts, key, stores, DURATION_S, async (t0) => {
      await sleep((DURATION_S * 1000) / 3 - (Date.now() - t0));
      killedAt = Date.now();
      await cluster.nodes[0].kill();
    });
    report('3-node cluster, node 1 killed (kill -9) a third of the way in', samples, DURATION_S);
    const failed = samples.filter((s) => s.code && s.end >= killedAt);
    const servedAgain = Math.max(0, ...failed.map((s) => s.end - killedAt));
    process.stdout.write(`\nAfter the kill: ${failed.length} failed requests (${[...new Set(failed.map((s) => s.code))].join(', ') || 'none'}), the last answered ${servedAgain} ms after the kill; requests started after that all succeeded: ${samples.filter((s) => s.start > killedAt + servedAgain).every((s) => !s.code)}\n`);
    const r0 = Date.now();
    await cluster.nodes[0].start();
    await cluster.waitSynced(3);
    rejoinMs = Date.now() - r0;
    process.stdout.write(`Node 1 restarted and Synced (state transfer included) in ${(rejoinMs / 1000).toFixed(1)} s\n`);
    for (const i of insts) await i.gateway.stop().then(() => rmSync(i.dir, { recursive: true, force: true }));
  } finally {
    await cluster.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
