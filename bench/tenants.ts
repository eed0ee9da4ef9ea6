/**
 * Many-tenants benchmark. Not part of the jest suite; run on demand:
 *
 *   npm run bench:tenants -- [--stores 10000] [--cycle 2000] [--rounds 3] [--concurrency 8] [--max-open 100]
 *
 * A catalog of 10,000 stores and requests cycling over 2,000 of them: does the registry keep
 * the open store DataSources at MAX_OPEN_STORES, does memory stay bounded, and what does a
 * request cost when its store is not open (first) against one that is (repeat)? It also times
 * the pieces of opening a store DataSource (TypeORM builds entity metadata per DataSource).
 *
 * Store databases are embedded SQLite files here, not MySQL: 10,000 MariaDB databases are
 * 70,000 InnoDB tablespaces and 10,000 users on the machine's shared server (minutes to create
 * and drop, and in the way of every other session), while the path measured (catalog lookup,
 * registry, DataSource construction, metadata, migration check, LRU eviction) is the same. On
 * MySQL a first request also pays a TCP connection and authentication (a few ms on loopback).
 * The template store is migrated once and copied 10,000 times; the catalog rows are inserted
 * directly. Everything lives in a temporary folder, removed at the end (unless --keep).
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { createGateway } from '../src/app';
import { loadConfig } from '../src/config';
import { CompanyEntity, StoreEntity } from '../src/entities/catalog';
import { createLogger } from '../src/logging';
import { DEFAULT_PRODUCTS } from '../src/services/catalog/store.service';
import { createStoreDatabase, sqliteStoreFile, storeOptions } from '../src/tenancy/data-source-factory';
import type { StoreRegistry } from '../src/tenancy/store-registry';
import { benchOptions, percentile } from './bench-support';
import { catalogOf, registryOf } from '../test/support/internals';

const OPTIONS = benchOptions(
  'Usage: npm run bench:tenants -- [options]',
  {
    stores: { help: 'stores in the catalog', default: 10_000, min: 1, env: 'BENCH_STORES' },
    cycle: { help: 'stores the requests cycle over (at most --stores)', default: 2_000, min: 1, env: 'BENCH_CYCLE' },
    rounds: { help: 'rounds over the cycled stores', default: 3, min: 1, env: 'BENCH_ROUNDS' },
    concurrency: { help: 'requests in flight', default: 8, min: 1, env: 'BENCH_CONCURRENCY' },
    'max-open': { help: "the gateway's MAX_OPEN_STORES", default: 100, min: 1, env: 'MAX_OPEN_STORES' },
    keep: { help: 'leave the temporary folder', flag: true },
  },
);
const STORES = OPTIONS.stores;
const CYCLE = Math.min(STORES, OPTIONS.cycle);
const ROUNDS = OPTIONS.rounds;
const CONCURRENCY = OPTIONS.concurrency;
const MAX_OPEN = OPTIONS['max-open'];

const QUERY = `query($s:ID!){ customers(storeId:$s, first: 5){ totalCount edges { node { id orders(first: 3){ totalCount } } } } }`;

const mib = (b: number) => Math.round(b / 1048576);
const fmt = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));

/** Registry internals, read for the report only. */
const internals = (r: StoreRegistry) => r as unknown as { open: Map<string, unknown>; evicted: Map<unknown, unknown> };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pgw-bench-tenants-'));
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATA_DIR: dir,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    SEED_DEMO: '0',
    LOG_LEVEL: 'silent',
    MAX_OPEN_STORES: String(MAX_OPEN),
    RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const log = createLogger('silent');
  console.log(`Bench data folder: ${dir}`);
  console.log(`${STORES} stores in the catalog, requests cycling over ${CYCLE} of them, ${ROUNDS} rounds, ${CONCURRENCY} in flight, MAX_OPEN_STORES ${MAX_OPEN}`);
  const loadBefore = loadavg()[0];

  // --- Opening a store DataSource, piece by piece (before the gateway, on a quiet process) ---
  const catalogOnly = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
  await catalogOnly.initialize();
  const silent = { logQuery() {}, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} };
  await createStoreDatabase(config, catalogOnly, 'template', silent);
  await catalogOnly.destroy();
  const template = sqliteStoreFile(config, 'template');
  {
    // A few customers with orders, so a request reads real rows.
    const db = new Database(template);
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    const cust = db.prepare('INSERT INTO customers (id, email, createdAt, updatedAt) VALUES (?, NULL, ?, ?)');
    const cols = (db.prepare("SELECT name FROM pragma_table_info('orders')").all() as { name: string }[]).map((r) => r.name);
    for (let i = 1; i <= 10; i++) cust.run(`c${i}`, now, now);
    if (cols.includes('customerId')) {
      const ord = db.prepare('INSERT INTO orders (id, customerId, currency, total, anonymized, createdAt) VALUES (?, ?, ?, ?, 0, ?)');
      for (let i = 1; i <= 20; i++) ord.run(`o${i}`, `c${(i % 10) + 1}`, 'EUR', 10 * i, now);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.close();
  }
  const timings = { construct: [] as number[], metadata: [] as number[], open: [] as number[], openNoMigrationCheck: [] as number[] };
  for (let i = 0; i < 200; i++) {
    let t0 = performance.now();
    const ds = new DataSource(storeOptions(config, 'template', silent));
    timings.construct.push(performance.now() - t0);
    t0 = performance.now();
    await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    timings.metadata.push(performance.now() - t0);
  }
  for (let i = 0; i < 200; i++) {
    let t0 = performance.now();
    const ds = await new DataSource(storeOptions(config, 'template', silent)).initialize();
    timings.open.push(performance.now() - t0);
    await ds.destroy();
    t0 = performance.now();
    const ds2 = await new DataSource({ ...storeOptions(config, 'template', silent), migrationsRun: false } as never).initialize();
    timings.openNoMigrationCheck.push(performance.now() - t0);
    await ds2.destroy();
  }
  // Heap held per open DataSource (metadata, driver, connection).
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const held: DataSource[] = [];
  for (let i = 0; i < 100; i++) held.push(await new DataSource(storeOptions(config, 'template', silent)).initialize());
  global.gc?.();
  const perDs = (process.memoryUsage().heapUsed - heap0) / 100;
  await Promise.all(held.map((d) => d.destroy()));

  // --- The catalog: 10,000 stores (rows inserted directly, files copied from the template) ---
  const gateway = await createGateway(config, log);
  const server = await gateway.listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const catalog = catalogOf(gateway.services);
  const registry = registryOf(gateway.services);
  let t0 = performance.now();
  const companies = Array.from({ length: Math.ceil(STORES / 10) }, (_, i) => ({ id: randomUUID(), name: `Bench company ${i + 1}`, createdAt: new Date() }));
  for (let i = 0; i < companies.length; i += 500) await catalog.getRepository(CompanyEntity).insert(companies.slice(i, i + 500));
  const stores: StoreEntity[] = [];
  for (let i = 0; i < STORES; i++) {
    const databaseName = `store_s_${randomBytes(6).toString('hex')}`;
    copyFileSync(template, sqliteStoreFile(config, databaseName));
    stores.push(Object.assign(new StoreEntity(), {
      id: randomUUID(), companyId: companies[Math.floor(i / 10)].id, name: `Bench store ${i + 1}`, server: 'embedded', databaseName,
      collectEmails: false, trackPageViews: true, trackContentViews: true, trackClicks: true, collectCrm: true,
      retentionMinMonths: 1, retentionMaxMonths: 12, products: DEFAULT_PRODUCTS, createdAt: new Date(Date.now() + i),
    }));
  }
  for (let i = 0; i < stores.length; i += 200) await catalog.getRepository(StoreEntity).insert(stores.slice(i, i + 200));
  const setupS = (performance.now() - t0) / 1000;
  console.log(`Created ${STORES} stores in ${setupS.toFixed(1)} s (template file ${Math.round(statSync(template).size / 1024)} KiB, copied)`);

  // --- Requests cycling over CYCLE stores ---
  const cycle = stores.slice(0, CYCLE).map((s) => s.id);
  const first: number[] = [];
  const repeat: number[] = [];
  const samples: { s: number; rss: number; heap: number; open: number; evicted: number; opened: number }[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const sample = () =>
    samples.push({
      s: (performance.now() - started) / 1000,
      rss: process.memoryUsage().rss,
      heap: process.memoryUsage().heapUsed,
      open: registry.openCount,
      evicted: internals(registry).evicted.size,
      opened: registry.opened,
    });
  sample();
  const sampler = setInterval(sample, 1000);
  let maxOpen = 0;
  const request = async (storeId: string) => {
    const wasOpen = internals(registry).open.has(storeId);
    const t = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify({ query: QUERY, variables: { s: storeId } }) });
    const body = (await res.json()) as { errors?: unknown[]; data?: { customers?: { totalCount: number } } };
    const ms = performance.now() - t;
    maxOpen = Math.max(maxOpen, registry.openCount);
    if (res.status !== 200 || body.errors || body.data?.customers?.totalCount !== 10) {
      errors++;
      firstError ??= JSON.stringify(body).slice(0, 300);
      return;
    }
    (wasOpen ? repeat : first).push(ms);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    // Each round visits every cycled store in a new order: a store's first request usually finds
    // it closed (evicted since), and a second request right after finds it open.
    const order = [...cycle].sort(() => Math.random() - 0.5);
    let next = 0;
    const worker = async () => {
      while (next < order.length) {
        const id = order[next++];
        await request(id);
        await request(id);
      }
    };
    const r0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`round ${round}: ${order.length * 2} requests in ${((performance.now() - r0) / 1000).toFixed(1)} s; open ${registry.openCount}, evicted awaiting close ${internals(registry).evicted.size}, opened so far ${registry.opened}, RSS ${mib(process.memoryUsage().rss)} MiB`);
  }
  clearInterval(sampler);
  sample();
  const totalS = (performance.now() - started) / 1000;

  first.sort((a, b) => a - b);
  repeat.sort((a, b) => a - b);
  const d = (xs: number[]) => [...xs].sort((a, b) => a - b);
  console.log('\n=== Summary ===');
  console.log(`Stores in catalog ${STORES}, cycled ${CYCLE}, ${ROUNDS} rounds x 2 requests per store, ${CONCURRENCY} in flight, MAX_OPEN_STORES ${MAX_OPEN}`);
  console.log(`Requests ${first.length + repeat.length + errors} in ${totalS.toFixed(1)} s (${((first.length + repeat.length) / totalS).toFixed(0)} req/s), errors ${errors}${firstError ? `: ${firstError}` : ''}`);
  console.log(`Open store DataSources: max ${maxOpen} (cap ${MAX_OPEN}); evicted awaiting close (grace; idle ones beyond the cap close at once): max ${Math.max(...samples.map((s) => s.evicted))}; DataSources opened ${registry.opened}`);
  console.log('');
  console.log('request                       count    p50 ms   p90 ms   p99 ms   max ms');
  console.log('----------------------------  -----  -------  -------  -------  -------');
  for (const [label, xs] of [['first (store not open)', first], ['repeat (store open)', repeat]] as const) {
    console.log(`${label.padEnd(28)}  ${String(xs.length).padStart(5)}  ${fmt(percentile(xs, 50)).padStart(7)}  ${fmt(percentile(xs, 90)).padStart(7)}  ${fmt(percentile(xs, 99)).padStart(7)}  ${fmt(xs[xs.length - 1]).padStart(7)}`);
  }
  console.log('');
  console.log('opening one store DataSource (200 times each)   p50 ms   p99 ms');
  for (const [label, xs] of [
    ['new DataSource(options)', timings.construct],
    ['buildMetadatas() (entity metadata)', timings.metadata],
    ['initialize() incl. migration check', timings.open],
    ['initialize() without migration check', timings.openNoMigrationCheck],
  ] as const) {
    const s = d(xs);
    console.log(`${label.padEnd(46)}  ${fmt(percentile(s, 50)).padStart(6)}  ${fmt(percentile(s, 99)).padStart(6)}`);
  }
  console.log(`heap held per open store DataSource: ~${Math.round(perDs / 1024)} KiB${global.gc ? '' : ' (run with --expose-gc for a steadier figure)'}`);
  console.log('');
  console.log('memory over time');
  console.log('   t s   RSS MiB   heap MiB   open   evicted   opened');
  const step = Math.max(1, Math.floor(samples.length / 15));
  for (const [i, s] of samples.entries()) {
    if (i % step === 0 || i === samples.length - 1) {
      console.log(`${s.s.toFixed(0).padStart(6)}  ${String(mib(s.rss)).padStart(8)}  ${String(mib(s.heap)).padStart(9)}  ${String(s.open).padStart(5)}  ${String(s.evicted).padStart(8)}  ${String(s.opened).padStart(7)}`);
    }
  }
  console.log(`\nLoad average (1 min) at start / end: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);

  await gateway.stop();
  if (!OPTIONS.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
  if (errors) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
