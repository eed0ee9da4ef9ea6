/**
 * CPU and allocation per profile read, in one process, without the machine's noise (issue 13,
 * round three). Not part of the jest suite; run on demand:
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/profile-cpu.ts [requests] [scale]
 *
 * Builds the gateway in this process on the shared MariaDB (MYSQL_TEST_URL; a catalog database
 * named pgwcpu_<random> and its store database, dropped at the end), creates a tenant through the
 * API, seeds the store with bench/profile-seed.ts, warms up, then runs bench/profile.ts's profile
 * query N times, one at a time, through `apollo.executeOperation` with the real context (the key
 * authenticated by contextFor, as the HTTP path does; express and body parsing are not in it).
 * Per variant it reports `process.cpuUsage()` per request (user+system, whole process: MariaDB
 * is another process) and the bytes allocated per request (heapUsed delta over batches of 10
 * requests after a forced GC, median of the batches: a batch fits in the young generation).
 * Variants switch one component off, in this script only (Apollo's plugin list and the audit
 * service are patched on the live server): what each costs is its difference from "all on".
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { RowDataPacket, createConnection } from 'mysql2/promise';
import { benchGatewayConfig, createBenchTenant, dropBenchDatabases, listenGateway, SERVER } from './bench-support';
import { customerEmail, PROFILE_QUERY, rng, seedStore, sizesFor } from './profile-seed';
import { armor } from '../src/http/armor';
import type { Gateway } from '../src/app';


const N = Number(process.argv[2] ?? 1500);
const SCALE = Number(process.argv[3] ?? 0.01);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

async function main() {
  const catalogDb = `pgwcpu_${randomBytes(3).toString('hex')}`;
  const adminKey = `pgw_admin_${randomBytes(16).toString('hex')}`;
  const config = benchGatewayConfig(catalogDb, adminKey, { METRICS_PORT: 'off', RETENTION_INTERVAL: '0', FORGET_RECOVERY_INTERVAL: '0', NODE_ENV: 'production', ...(process.env.GRAPHQL_COMPILE_AFTER ? { GRAPHQL_COMPILE_AFTER: process.env.GRAPHQL_COMPILE_AFTER } : {}) });
  let gateway: Gateway | null = null;
  try {
    const started = await listenGateway(config);
    gateway = started.gateway;
    const { storeId, key } = await createBenchTenant(started.url, adminKey, 'CPU Bench');
    const c = await createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.user, password: SERVER.password, database: catalogDb });
    const [[store]] = await c.query<RowDataPacket[]>('SELECT `databaseName` FROM `stores` WHERE `id` = ?', [storeId]);
    await c.end();
    const sizes = sizesFor(SCALE);
    await seedStore(SERVER, store.databaseName as string, sizes, { batchRows: 5000, eventWorkers: 1, seed: 1 });
    console.log(`Node ${process.version}; scale ${SCALE}: ${sizes.customers} customers, ${sizes.orders} orders; ${N} sequential profile reads per variant`);

    const gw = gateway;
    const apollo = gw.apollo as unknown as { internals: { plugins: object[] } };
    const allPlugins = [...apollo.internals.plugins];
    const armorCount = armor().plugins.length;
    // server.ts's order: armor's plugins, queryCost, requestLogging, audit, metrics, ...
    const named = { armor: allPlugins.slice(0, armorCount), queryCost: [allPlugins[armorCount]], requestLogging: [allPlugins[armorCount + 1]], audit: [allPlugins[armorCount + 2]], metrics: [allPlugins[armorCount + 3]] };
    const audit = gw.services.audit as unknown as { record: (...a: unknown[]) => Promise<unknown>; subjectHashes: (e: unknown) => string[]; insertEntries: (rows: unknown[]) => Promise<unknown> };
    const record = audit.record;
    const subjectHashes = audit.subjectHashes;
    const insertEntries = audit.insertEntries;
    const r = rng(7);
    const one = async () => {
      const ctx = await gw.contextFor(key);
      const res = await gw.apollo.executeOperation({ query: PROFILE_QUERY, variables: { s: storeId, e: customerEmail(Math.floor(r() * sizes.customers)) } }, { contextValue: ctx });
      if (res.body.kind !== 'single' || res.body.singleResult.errors) throw new Error(`failed: ${JSON.stringify(res.body)}`);
      // Apollo's HTTP path serializes the result; do the same.
      JSON.stringify(res.body.singleResult);
    };
    const measure = async (): Promise<{ cpuUs: number; allocKb: number }> => {
      for (let i = 0; i < 300; i++) await one();
      gc!();
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i++) await one();
      const t = process.cpuUsage(t0);
      const allocs: number[] = [];
      for (let b = 0; b < 30; b++) {
        gc!();
        const h0 = process.memoryUsage().heapUsed;
        for (let i = 0; i < 10; i++) await one();
        allocs.push((process.memoryUsage().heapUsed - h0) / 10);
      }
      allocs.sort((a, b) => a - b);
      return { cpuUs: (t.user + t.system) / N, allocKb: allocs[15] / 1024 };
    };
    // The JIT's warm-up: a first unmeasured pass, so the first variant is not the slowest.
    for (let i = 0; i < 1000; i++) await one();
    const ctxOnly = async () => {
      gc!();
      const h0 = process.memoryUsage().heapUsed;
      const t0 = process.cpuUsage();
      for (let i = 0; i < 10; i++) await gw.contextFor(key);
      const t = process.cpuUsage(t0);
      return `contextFor alone: ${((t.user + t.system) / 10 / 1000).toFixed(3)} ms, ${((process.memoryUsage().heapUsed - h0) / 10 / 1024).toFixed(0)} KiB per call`;
    };
    console.log(await ctxOnly());
    if (process.env.HEAP_SAMPLE) {
      // Where the bytes go: V8's sampling heap profiler over 300 reads, counting objects the
      // young- and old-generation collections freed too (what a read allocates, not what it keeps).
      const { Session } = await import('node:inspector/promises');
      const session = new Session();
      session.connect();
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
      for (let i = 0; i < 300; i++) await one();
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
      type HeapNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapNode[] };
      const self = new Map<string, number>();
      const byPackage = new Map<string, number>();
      let total = 0;
      const walk = (n: HeapNode, stack: string[]) => {
        const url = n.callFrame.url;
        const where = `${n.callFrame.functionName || '(anon)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/speed3\//, '')}:${n.callFrame.lineNumber + 1}`;
        if (n.selfSize) {
          total += n.selfSize;
          self.set(where, (self.get(where) ?? 0) + n.selfSize);
          // Attributed to the innermost frame of our own code or of a package, by its path.
          const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (/\/src\//.test(url) ? `src/${url.split('/src/')[1]}` : url ? 'other' : '(native)');
          byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + n.selfSize);
        }
        if (n.selfSize && process.env.HEAP_CALLERS === n.callFrame.functionName) {
          const chain = stack.slice(-8).join(' < ');
          callers.set(chain, (callers.get(chain) ?? 0) + n.selfSize);
        }
        for (const c of n.children) walk(c, [...stack, where]);
      };
      // HEAP_CALLERS=<function>: the call chains (8 frames) under which that function allocated.
      const callers = new Map<string, number>();
      walk(profile.head, []);
      if (callers.size) console.log(`Callers of ${process.env.HEAP_CALLERS}:\n${[...callers].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([c, b]) => `  ${(b / 300 / 1024).toFixed(1).padStart(7)} KiB/req  ${c}`).join('\n')}`);
      const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([w, b]) => `  ${(b / 300 / 1024).toFixed(1).padStart(7)} KiB/req  ${((100 * b) / total).toFixed(1).padStart(5)} %  ${w}`).join('\n');
      console.log(`Sampled allocation: ${(total / 300 / 1024).toFixed(0)} KiB per read\nBy package or file:\n${top(byPackage, 25)}\nBy function:\n${top(self, 40)}`);
      session.disconnect();
      return;
    }
    const variants: Array<[string, () => void]> = [
      ['all on', () => undefined],
      ['- armor plugins', () => { apollo.internals.plugins = allPlugins.filter((p) => !named.armor.includes(p)); }],
      ['- query-cost plugin', () => { apollo.internals.plugins = allPlugins.filter((p) => !named.queryCost.includes(p)); }],
      ['- request-logging plugin', () => { apollo.internals.plugins = allPlugins.filter((p) => !named.requestLogging.includes(p)); }],
      ['- audit plugin (no entry)', () => { apollo.internals.plugins = allPlugins.filter((p) => !named.audit.includes(p)); }],
      ['- audit INSERT (record no-op)', () => { audit.record = async () => undefined; }],
      ['- the audit INSERT statement only', () => { audit.insertEntries = async () => undefined; }],
      ['- subject HMACs', () => { audit.subjectHashes = () => []; }],
      ['- metrics plugin', () => { apollo.internals.plugins = allPlugins.filter((p) => !named.metrics.includes(p)); }],
      ['all on (again)', () => undefined],
    ];
    const rows: string[] = [];
    let base = 0;
    // VARIANTS=all runs only the "all on" rows (e.g. to compare builds or settings run by run).
    const only = process.env.VARIANTS;
    for (const [name, apply] of variants.filter(([n]) => !only || n.startsWith(only))) {
      apollo.internals.plugins = [...allPlugins];
      audit.record = record;
      audit.subjectHashes = subjectHashes;
      audit.insertEntries = insertEntries;
      apply();
      const m = await measure();
      if (name === 'all on') base = m.cpuUs;
      const line = `| ${name} | ${(m.cpuUs / 1000).toFixed(3)} | ${name === 'all on' ? '' : ((base - m.cpuUs) / 1000).toFixed(3)} | ${m.allocKb.toFixed(0)} |`;
      rows.push(line);
      console.log(line);
    }
    console.log('\n| variant | CPU ms/req | saved vs all on | allocated KiB/req |\n|---|---:|---:|---:|\n' + rows.join('\n'));
  } finally {
    if (gateway) await gateway.stop().catch((e: unknown) => console.error('stop failed', e));
    const dropped = await dropBenchDatabases(catalogDb, config);
    console.log(`dropped ${dropped.join(', ')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
