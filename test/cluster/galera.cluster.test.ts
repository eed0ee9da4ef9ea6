import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createGateway, Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { startForgetRecovery } from '../../src/services/privacy/forget-recovery';
import { withRetentionLock } from '../../src/services/retention/retention-lock';
import { storeDbUser } from '../../src/tenancy/data-source-factory';
import { FailoverHosts } from '../../src/tenancy/host-failover';
import { codes, gqlClient, GqlResult, ok, TEST_RECEIPT_KEY, TestGateway } from '../support/gateway';
import { createTenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { galeraMissing, GaleraCluster, startGaleraCluster } from '../support/galera-cluster';
import { sleep } from '../support/wait';

/**
 * The gateway on a 3-node MariaDB Galera cluster of the suite's own (catalog and stores on it):
 * the ordinary flow, forgets racing ingestion through different nodes, a node killed under a
 * mixed load, and the purge lease across nodes. Skips loudly without Galera; fails under CI=true.
 */
const missing = galeraMissing() ?? (process.getuid?.() === 0 ? null : 'the suite must run as root (it starts the nodes as the mysql user)');
const CI = process.env.CI === 'true';
if (missing && !CI) {
  process.stdout.write(`\n*** CLUSTER SUITE SKIPPED: ${missing}. Install galera-4 and rsync to run test/cluster/. ***\n`);
}

/** How long the gateway may take to serve again after a node is killed (stated in the README). */
export const RECOVERY_BOUND_MS = 10_000;

const PROFILE = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email orders(first:5){ totalCount } visitors { id } } }';
const REPORT = 'query($s:ID!,$q:String!){ privacyReport(idOrEmail:$q, storeId:$s){ stores { customers { id } orders { id } events { type } } } }';
const FORGET = 'mutation($s:ID!,$q:String!){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { id status customersDeleted ordersAnonymized visitorsDeleted eventsDeleted } } }';
const SUPPRESSIONS = 'query($s:ID!){ suppressions(storeId:$s){ totalCount } }';
const PURGE = 'mutation($s:ID){ purgeExpiredData(storeId:$s){ visitorsDeleted eventsDeleted runs { status } } }';
const PENDING = 'query{ forgetRequests(status: PENDING, first: 100){ totalCount } }';

const now = () => new Date().toISOString();
const yearsAgo = (n: number) => new Date(Date.now() - n * 365 * 86_400_000).toISOString();

/**
 * The support client, but a request unanswered after 30 s fails the test with its query and what
 * every node was doing at that moment (processlist, open InnoDB transactions) instead of hanging it.
 */
function timedClient(url: string, diagnose: () => Promise<string>): TestGateway['gql'] {
  const inner = gqlClient(url);
  return (key, query, variables) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void diagnose()
          .catch((e) => `(no diagnosis: ${String(e)})`)
          .then((d) => reject(new Error(`no answer within 30 s: ${query.slice(0, 80)}\n${d}`)));
      }, 30_000);
      inner(key, query, variables).then(
        (r) => (clearTimeout(timer), resolve(r as never)),
        (e) => (clearTimeout(timer), reject(e)),
      );
    });
}

interface Node {
  gateway: Gateway;
  t: TestGateway;
  /** Stops its forget recovery (started as main.ts starts it: createGateway alone does not). */
  stopRecovery: () => void;
}

(missing && !CI ? describe.skip : describe)('on a 3-node MariaDB Galera cluster', () => {
  let cluster: GaleraCluster;
  let a: Node; // prefers node 1
  let b: Node; // prefers node 2
  const tag = randomBytes(4).toString('hex');
  const catalogDb = `pgwc_${tag}`;
  const secret = randomBytes(32).toString('hex');
  const adminKey = `cluster-admin-${randomBytes(16).toString('hex')}`;
  const dirs: string[] = [];

  /** What each running node is doing: its sessions and open InnoDB transactions (for a hang's message). */
  async function diagnose(): Promise<string> {
    const out: string[] = [];
    for (const node of cluster.nodes) {
      if (!node.running()) continue;
      const q = async (sql: string) => {
        const c = await createConnection({ host: '127.0.0.1', port: node.port, user: 'root', connectTimeout: 2000 });
        try {
          await c.query('SET SESSION wsrep_sync_wait = 0');
          return JSON.stringify((await c.query({ sql, timeout: 5000 }))[0]);
        } catch (e) {
          return `(${String(e)})`;
        } finally {
          c.destroy();
        }
      };
      out.push(`node${node.index + 1} processlist: ${await q("SELECT ID, USER, DB, COMMAND, TIME, STATE, LEFT(INFO, 160) AS INFO FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep' OR USER LIKE 'pgw%'")}`);
      out.push(`node${node.index + 1} innodb_trx: ${await q('SELECT trx_id, trx_state, trx_started, trx_mysql_thread_id, trx_rows_locked, LEFT(trx_query, 160) AS q FROM information_schema.INNODB_TRX')}`);
      out.push(`node${node.index + 1} lock waits: ${await q('SELECT * FROM information_schema.INNODB_LOCK_WAITS')}`);
    }
    return out.join('\n');
  }

  async function startNode(order: number[]): Promise<Node> {
    const dataDir = mkdtempSync(join(tmpdir(), `pgw-cluster-${tag}-`));
    dirs.push(dataDir);
    const config = loadConfig({
      DATABASE_URL: cluster.url(catalogDb, order),
      SUBJECT_HASH_SECRET: secret,
      RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY,
      BOOTSTRAP_ADMIN_KEY: adminKey,
      DATA_DIR: dataDir,
      SEED_DEMO: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      METRICS_PORT: '0',
      LEASE_TTL: '3s',
      FORGET_RECOVERY_INTERVAL: '1s',
      RETENTION_INTERVAL: '0',
      DB_PROBE_INTERVAL: '250ms',
      // The default: a killed node refuses at once, and on a loaded machine a healthy one may take over a second to let a connection in.
      DB_CONNECT_TIMEOUT_MS: '5000',
      DB_QUERY_TIMEOUT_MS: '8000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    const gateway = await createGateway(config, createLogger(config.logLevel));
    const server = await gateway.listen(0);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const t = { engine: 'mysql', gateway, config, url, metricsUrl: '', adminKey, gql: timedClient(url, diagnose), close: () => gateway.stop() } as TestGateway;
    // As in production (main.ts): a forget left PENDING by a store and catalog lost mid-request
    // (the kill test) is finished by recovery. Without it such a request stayed PENDING for good.
    return { gateway, t, stopRecovery: startForgetRecovery(gateway.services) };
  }

  /** Store database name of a store (from the catalog, on any node). */
  async function databaseOf(storeId: string, node = 1): Promise<string> {
    const [row] = await cluster.query<{ databaseName: string }>(node, `SELECT databaseName FROM \`${catalogDb}\`.stores WHERE id = ?`, [storeId]);
    return row.databaseName;
  }

  /** Row counts of every table of these databases, as one node holds them. */
  async function tableCounts(node: number, databases: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const db of databases) {
      const tables = await cluster.query<{ t: string }>(node, 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [db]);
      for (const { t } of tables) {
        if (t === 'leases') continue; // renewed every second by the running instances
        const [{ n }] = await cluster.query<{ n: number }>(node, `SELECT COUNT(*) AS n FROM \`${db}\`.\`${t}\``);
        out[`${db}.${t}`] = Number(n);
      }
    }
    return out;
  }

  /** What one node holds of a person: customer rows, visitors, events, orders still naming them. */
  async function holdings(node: number, db: string, p: { id: string; email: string; visitor: string }) {
    const one = async (sql: string, params: unknown[]) => Number((await cluster.query<{ n: number }>(node, sql, params))[0].n);
    return {
      customers: await one(`SELECT COUNT(*) AS n FROM \`${db}\`.customers WHERE id = ? OR email = ?`, [p.id, p.email]),
      visitors: await one(`SELECT COUNT(*) AS n FROM \`${db}\`.visitors WHERE id = ? OR customerId = ? OR email = ?`, [p.visitor, p.id, p.email]),
      events: await one(`SELECT COUNT(*) AS n FROM \`${db}\`.visit_events WHERE visitorId = ?`, [p.visitor]),
      orders: await one(`SELECT COUNT(*) AS n FROM \`${db}\`.orders WHERE customerId = ? OR email = ? OR visitorId = ?`, [p.id, p.email, p.visitor]),
    };
  }
  const GONE = { customers: 0, visitors: 0, events: 0, orders: 0 };

  /** A read on one node without waiting for causality (wsrep_sync_wait=0): its errno, or undefined when it answers. */
  async function plainRead(node: number): Promise<number | undefined> {
    const c = await createConnection({ host: '127.0.0.1', port: cluster.nodes[node].port, user: 'root', connectTimeout: 2000 });
    try {
      await c.query('SET SESSION wsrep_sync_wait = 0');
      await c.query(`SELECT COUNT(*) AS n FROM \`${catalogDb}\`.companies`);
      return undefined;
    } catch (e) {
      return (e as { errno?: number }).errno;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** The node a store's database is written through (its home, host-failover.ts), as an index into the cluster's nodes. */
  function homeOf(databaseName: string): number {
    const hosts = cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
    return new FailoverHosts(hosts, { user: 'root', password: '' }, { probeIntervalMs: 1000, connectTimeoutMs: 1000 }, createLogger('silent')).ring(databaseName)[0];
  }

  beforeAll(async () => {
    if (missing) throw new Error(`CI=true: the cluster suite must run, but ${missing}`);
    cluster = await startGaleraCluster(3);
    a = await startNode([0, 1, 2]);
    b = await startNode([1, 0, 2]);
  }, 180_000);

  afterAll(async () => {
    // The nodes and folders go whatever happened: a gateway still stuck in a request (a failed
    // test) gets 20 s to stop, then the cluster is stopped under it.
    const bounded = (p: Promise<unknown> | undefined) => Promise.race([p?.catch(() => undefined), sleep(20_000)]);
    a?.stopRecovery();
    b?.stopRecovery();
    try {
      await Promise.all([bounded(a?.gateway.stop()), bounded(b?.gateway.stop())]);
    } finally {
      await cluster?.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs the ordinary flow (ingest, profile, report, forget, suppression, purge), every node holding the same rows', async () => {
    const tenant = await createTenant(a.t, 'Cluster flow');
    const s = tenant.storeIds[0];
    const anna = { id: 'c-anna', email: 'anna@example.dk', visitor: 'v-anna' };
    expect(ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: anna.id, email: anna.email, city: 'Aarhus' }, { id: 'c-bo', email: 'bo@example.dk' }] })).upsertCustomers).toEqual({ accepted: 2, suppressed: 0, emailsDropped: 0 });
    ok(await a.t.gql(tenant.key, TRACK_EVENTS, { s, e: [
      { visitorId: anna.visitor, customerId: anna.id, type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: now() },
      { visitorId: anna.visitor, customerId: anna.id, type: 'CLICK', url: 'https://shop.example/p/1', occurredAt: now() },
      { visitorId: 'v-old', type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: yearsAgo(2) },
      { visitorId: 'v-old', type: 'PAGE_VIEW', url: 'https://shop.example/x', occurredAt: yearsAgo(2) },
    ] }));
    ok(await a.t.gql(tenant.key, UPSERT_ORDERS, { s, o: [{ id: 'o-anna', customerId: anna.id, email: anna.email, visitorId: anna.visitor, currency: 'DKK', lines: [{ productId: 'p1', quantity: 2, unitPrice: 10 }] }] }));

    // Read through the other gateway, i.e. another node: the writes are there.
    expect(ok(await b.t.gql(tenant.key, PROFILE, { s, q: anna.email })).customer).toEqual({ id: anna.id, email: anna.email, orders: { totalCount: 1 }, visitors: [{ id: anna.visitor }] });
    const report = ok(await b.t.gql(tenant.key, REPORT, { s, q: anna.id })).privacyReport;
    expect(report.stores).toEqual([{ customers: [{ id: anna.id }], orders: [{ id: 'o-anna' }], events: expect.arrayContaining([{ type: 'PAGE_VIEW' }, { type: 'CLICK' }]) }]);

    const forget = ok(await a.t.gql(tenant.key, FORGET, { s, q: anna.email })).forgetCustomer;
    expect(forget.requests).toEqual([{ id: expect.any(String), status: 'COMPLETED', customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 2 }]);
    expect(ok(await b.t.gql(tenant.key, PROFILE, { s, q: anna.email })).customer).toBeNull();
    // A later sync through the other node cannot bring her back.
    expect(ok(await b.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: anna.id, email: anna.email }] })).upsertCustomers).toEqual({ accepted: 0, suppressed: 1, emailsDropped: 0 });
    expect(ok(await b.t.gql(tenant.key, SUPPRESSIONS, { s })).suppressions.totalCount).toBeGreaterThanOrEqual(2);

    expect(ok(await b.t.gql(tenant.key, PURGE, { s })).purgeExpiredData).toEqual({ visitorsDeleted: 1, eventsDeleted: 2, runs: [{ status: 'COMPLETED' }] });

    const db = await databaseOf(s);
    for (const node of [0, 1, 2]) expect(await holdings(node, db, anna)).toEqual(GONE);
    const counts = await Promise.all([0, 1, 2].map((n) => tableCounts(n, [db, catalogDb])));
    expect(counts[0][`${db}.customers`]).toBe(1);
    expect(counts[0][`${db}.orders`]).toBe(1);
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);
  }, 60_000);

  it('ends with the person gone and suppressed, and every other record intact, when ingestion and forgets race through two gateways preferring different nodes', async () => {
    const tenant = await createTenant(a.t, 'Cluster race');
    const s = tenant.storeIds[0];
    const people = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, email: `p${i}@example.dk`, visitor: `pv${i}` }));
    const seed = async (p: (typeof people)[number]) => {
      ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: p.id, email: p.email }] }));
      ok(await a.t.gql(tenant.key, TRACK_EVENTS, { s, e: [{ visitorId: p.visitor, customerId: p.id, type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: now() }] }));
      ok(await a.t.gql(tenant.key, UPSERT_ORDERS, { s, o: [{ id: `o-${p.id}`, customerId: p.id, email: p.email, visitorId: p.visitor, currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 5 }] }] }));
    };
    for (const p of people) await seed(p);

    const bystanders: string[] = [];
    const forgets: string[] = [];
    // Per person: gateway a (catalog on node 1) keeps syncing the person and a new bystander,
    // while gateway b (catalog on node 2) forgets the person part-way through. The suppression
    // is written through node 2 and read by ingestion through node 1.
    await Promise.all(
      people.map(async (p, i) => {
        const sync = (async () => {
          for (let k = 0; k < 8; k++) {
            const by = `by-${i}-${k}`;
            const r = await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: p.id, email: p.email, city: `c${k}` }, { id: by, email: `${by}@example.dk` }] });
            expect(codes(r)).toEqual([]);
            bystanders.push(by);
            const e = await a.t.gql(tenant.key, TRACK_EVENTS, { s, e: [{ visitorId: p.visitor, customerId: p.id, type: 'CLICK', url: 'https://shop.example/c', occurredAt: now() }] });
            expect(codes(e)).toEqual([]);
            const o = await a.t.gql(tenant.key, UPSERT_ORDERS, { s, o: [{ id: `o-${p.id}-${k}`, customerId: p.id, email: p.email, visitorId: p.visitor, currency: 'DKK', lines: [{ productId: 'p2', quantity: 1, unitPrice: 7 }] }] });
            expect(codes(o)).toEqual([]);
          }
        })();
        await sleep(30 + i * 25);
        const f = ok(await b.t.gql(tenant.key, FORGET, { s, q: p.email })).forgetCustomer;
        forgets.push(f.requests[0].status);
        await sync;
      }),
    );
    expect(forgets).toEqual(people.map(() => 'COMPLETED'));

    const db = await databaseOf(s);
    for (const node of [0, 1, 2]) {
      for (const p of people) expect({ p: p.id, ...(await holdings(node, db, p)) }).toEqual({ p: p.id, ...GONE });
      const [{ n }] = await cluster.query<{ n: number }>(node, `SELECT COUNT(*) AS n FROM \`${db}\`.customers WHERE id LIKE 'by-%'`);
      expect(Number(n)).toBe(bystanders.length);
      // Every order is kept: the seeded ones and those synced later, anonymized where they named the person.
      const [{ o }] = await cluster.query<{ o: number }>(node, `SELECT COUNT(*) AS o FROM \`${db}\`.orders`);
      expect(Number(o)).toBe(people.length * 9);
    }
    // Suppressed: a sync of each person through either node is dropped.
    for (const p of people) {
      expect(ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: p.id, email: p.email }] })).upsertCustomers.suppressed).toBe(1);
      expect(ok(await b.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: p.id }] })).upsertCustomers.suppressed).toBe(1);
    }
  }, 120_000);

  it('lets only one instance hold the purge lease at a time, across nodes', async () => {
    let holders = 0;
    let most = 0;
    for (let round = 0; round < 6; round++) {
      const ran = await Promise.all(
        [a, b].map((n) =>
          withRetentionLock(n.gateway.services.leases, async () => {
            holders++;
            most = Math.max(most, holders);
            await sleep(150);
            holders--;
          }),
        ),
      );
      expect(ran.filter(Boolean)).toHaveLength(1);
    }
    expect(most).toBe(1);
  }, 60_000);

  it('moves off a node that left the primary component (errno 1047) and back once it is Synced again', async () => {
    const tenant = await createTenant(a.t, 'Cluster partition');
    const s = tenant.storeIds[0];
    ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'part-1', email: 'part-1@example.dk' }] }));
    const picker = a.gateway.services.config.mysql!.failover as FailoverHosts;
    expect(picker.pick()).toBe(0);
    // Node 1 cut off from the others: it stays up but refuses queries.
    await cluster.query(0, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
    const errors: string[] = [];
    const started = Date.now();
    let refused: unknown;
    while (Date.now() - started < 15_000) {
      errors.push(...codes(await a.t.gql(tenant.key, PROFILE, { s, q: 'part-1' })).map(String));
      if (refused !== 1047) refused = await plainRead(0);
      if (refused === 1047 && picker.states()[0] === 'down') break;
      await sleep(100);
    }
    expect({ refused, node1: picker.states()[0] }).toEqual({ refused: 1047, node1: 'down' });
    expect(picker.pick()).toBe(1);
    expect([...new Set(errors)].filter((c) => c !== 'SERVICE_UNAVAILABLE')).toEqual([]);
    // Served through the other nodes meanwhile: reads and writes.
    expect(ok(await a.t.gql(tenant.key, PROFILE, { s, q: 'part-1' })).customer.id).toBe('part-1');
    expect(ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'part-2' }] })).upsertCustomers.accepted).toBe(1);

    await cluster.query(0, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
    await cluster.waitSynced(3);
    const deadline = Date.now() + 5000;
    while (picker.pick() !== 0 && Date.now() < deadline) await sleep(100);
    expect(picker.states()).toEqual(['up', 'up', 'up']);
    expect(picker.pick()).toBe(0);
    const [{ n }] = await cluster.query<{ n: number }>(0, `SELECT COUNT(*) AS n FROM \`${await databaseOf(s, 0)}\`.customers WHERE id = 'part-2'`);
    expect(Number(n)).toBe(1);
  }, 90_000);

  it('loses no acknowledged write when a node is killed under load, serves again within the bound, and the node rejoins consistent', async () => {
    // The node killed is gateway a's first choice and the home node of the store under load.
    const tenant = await createTenant(a.t, 'Cluster kill', 4);
    const onFirst: string[] = [];
    for (let round = 0; onFirst.length < 2; round++) {
      if (round > 0) {
        // A store's home is a hash of its database name: a third of them land on the first node,
        // so 12 stores fell short about one run in ten; 40 leave it to chance no more.
        if (round > 36) throw new Error('no two stores with the first node as their home');
        const { createStore } = ok(await a.t.gql(adminKey, 'mutation($c:ID!,$n:String!){ createStore(companyId:$c, name:$n, settings:{collectEmails:true}){ id } }', { c: tenant.companyId, n: `More ${round}` }));
        tenant.storeIds.push(createStore.id);
      }
      const homes = await Promise.all(tenant.storeIds.map(async (id) => homeOf(await databaseOf(id))));
      onFirst.splice(0, onFirst.length, ...tenant.storeIds.filter((_, i) => homes[i] === 0));
    }
    const [s, later] = onFirst;
    const people = Array.from({ length: 16 }, (_, i) => ({ id: `k${i}`, email: `k${i}@example.dk`, visitor: `kv${i}` }));
    ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: people.map((p) => ({ id: p.id, email: p.email })) }));
    ok(await a.t.gql(tenant.key, TRACK_EVENTS, { s, e: people.flatMap((p) => [1, 2].map((k) => ({ visitorId: p.visitor, customerId: p.id, type: 'PAGE_VIEW', url: `https://shop.example/${k}`, occurredAt: now() }))) }));
    ok(await a.t.gql(tenant.key, UPSERT_ORDERS, { s, o: people.map((p) => ({ id: `o-${p.id}`, customerId: p.id, email: p.email, visitorId: p.visitor, currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 5 }] })) }));
    const db = await databaseOf(s);

    const acknowledged: string[] = [];
    const errors: string[] = [];
    const outcomesA: { at: number; done: number; ok: boolean }[] = [];
    const forgotten = new Map<string, string>(); // person → ledger status answered
    let stop = false;
    let seq = 0;
    const record = (gw: Node, r: GqlResult, started: number) => {
      const failed = codes(r);
      errors.push(...failed.map(String));
      for (const e of r.errors ?? []) if (e.extensions?.code !== 'SERVICE_UNAVAILABLE') process.stdout.write(`unexpected error in the kill test: ${JSON.stringify(e)}\n`);
      if (gw === a) outcomesA.push({ at: started, done: Date.now(), ok: failed.length === 0 });
      return failed.length === 0;
    };
    const ingest = async (gw: Node) => {
      while (!stop) {
        const ids = [0, 1, 2].map(() => `ack-${seq++}`);
        const started = Date.now();
        const r = await gw.t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: ids.map((id) => ({ id, email: `${id}@example.dk` })) });
        if (record(gw, r, started)) acknowledged.push(...ids);
      }
    };
    const profiles = async (gw: Node) => {
      while (!stop) {
        const started = Date.now();
        record(gw, await gw.t.gql(tenant.key, PROFILE, { s, q: `ack-${Math.max(0, seq - 10)}` }), started);
        await sleep(10);
      }
    };
    const forgetter = async () => {
      for (let i = 0; i < people.length && !stop; i++) {
        const gw = i % 2 ? b : a;
        const started = Date.now();
        const r = await gw.t.gql(tenant.key, FORGET, { s, q: people[i].email });
        forgotten.set(people[i].id, record(gw, r, started) ? r.data!.forgetCustomer.requests[0].status : 'ERROR');
        await sleep(500);
      }
    };
    const load = Promise.all([ingest(a), ingest(a), ingest(b), ingest(b), profiles(a), profiles(b), forgetter()]);
    await sleep(2500);
    const killedAt = Date.now();
    await cluster.nodes[0].kill();
    await sleep(RECOVERY_BOUND_MS + 2000);
    stop = true;
    await load;

    // Requests in flight failed with SERVICE_UNAVAILABLE or succeeded; nothing else.
    expect([...new Set(errors)].filter((c) => c !== 'SERVICE_UNAVAILABLE')).toEqual([]);
    // Gateway a (whose first node died) serves again within the bound, without a restart: the
    // last of its requests to fail was answered within it, and every later one succeeded.
    const failures = outcomesA.filter((o) => !o.ok);
    const servedAgainMs = Math.max(0, ...failures.map((o) => o.done - killedAt));
    expect(servedAgainMs).toBeLessThan(RECOVERY_BOUND_MS);
    const lastFailureStart = Math.max(0, ...failures.map((o) => o.at));
    expect(outcomesA.filter((o) => o.at > lastFailureStart && o.ok).length).toBeGreaterThan(10);
    process.stdout.write(`cluster kill: ${acknowledged.length} acknowledged ingestion records, ${errors.length} failed requests (${failures.length} on gateway a), gateway a served again ${servedAgainMs} ms after the kill\n`);

    // Forget recovery finishes whatever a dead request left PENDING (lease 3 s, every 1 s).
    const deadline = Date.now() + 20_000;
    while (ok(await b.t.gql(adminKey, PENDING)).forgetRequests.totalCount > 0) {
      if (Date.now() > deadline) {
        // Which requests, and who holds their leases (a running forget, or recovery), on a survivor.
        const pending = await cluster.query(1, `SELECT f.id, f.requestedAt, l.name, l.holder, l.expiresAt, NOW(3) AS now FROM \`${catalogDb}\`.forget_requests f LEFT JOIN \`${catalogDb}\`.leases l ON l.name = CONCAT('forget:', f.id) OR l.name = 'forget-recovery' WHERE f.status = 'PENDING'`);
        throw new Error(`a forget request stayed PENDING: ${JSON.stringify(pending)}\n${await diagnose()}`);
      }
      await sleep(500);
    }

    for (const node of [1, 2]) {
      // Every acknowledged write is on each survivor.
      const present = new Set<string>();
      for (let i = 0; i < acknowledged.length; i += 500) {
        const chunk = acknowledged.slice(i, i + 500);
        const rows = await cluster.query<{ id: string }>(node, `SELECT id FROM \`${db}\`.customers WHERE id IN (?)`, [chunk]);
        rows.forEach((r) => present.add(r.id));
      }
      expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
      // No forget half applied: each person is wholly there or wholly gone, and gone where the answer was COMPLETED.
      for (const p of people) {
        const h = await holdings(node, db, p);
        const whole = { customers: 1, visitors: 1, events: 2, orders: 1 };
        expect([JSON.stringify(GONE), JSON.stringify(whole)]).toContain(JSON.stringify(h));
        if (forgotten.get(p.id) === 'COMPLETED') expect(h).toEqual(GONE);
      }
    }
    // A forget that failed or was cut off is finished by asking again.
    for (const [id] of [...forgotten].filter(([, st]) => st !== 'COMPLETED')) {
      const p = people.find((x) => x.id === id)!;
      expect(ok(await b.t.gql(tenant.key, FORGET, { s, q: p.email })).forgetCustomer.requests[0].status).toBe('COMPLETED');
      expect(await holdings(1, db, p)).toEqual(GONE);
    }

    // The node rejoins (state transfer) and holds exactly what the others hold.
    await cluster.nodes[0].start();
    await cluster.waitSynced(3);
    let counts: Record<string, number>[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      counts = await Promise.all([0, 1, 2].map((n) => tableCounts(n, [db, catalogDb])));
      if (JSON.stringify(counts[0]) === JSON.stringify(counts[1]) && JSON.stringify(counts[1]) === JSON.stringify(counts[2])) break;
      await sleep(250);
    }
    expect(counts[0][`${db}.customers`]).toBeGreaterThanOrEqual(acknowledged.length);
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);

    // Connections go back to the first node once it is Synced: the catalog's (gateway a's first
    // choice) and a store's whose home it is, opened only now.
    await sleep(1000);
    const picker = a.gateway.services.config.mysql!.failover as FailoverHosts;
    expect(picker.states()).toEqual(['up', 'up', 'up']);
    expect(picker.pick()).toBe(0);
    ok(await a.t.gql(tenant.key, UPSERT_CUSTOMERS, { s: later, c: [{ id: 'fb-1' }] }));
    const user = storeDbUser(a.gateway.services.config, await databaseOf(later, 0)).user;
    const [{ n }] = await cluster.query<{ n: number }>(0, 'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    expect(Number(n)).toBeGreaterThan(0);
  }, 150_000);
});
