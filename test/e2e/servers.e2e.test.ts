import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ForgetRequestEntity, StoreEntity } from '../../src/entities/catalog';
import { SuppressionService } from '../../src/services/privacy/suppression.service';
import { StoreMoveService } from '../../src/services/catalog/store-move.service';
import { CLI_PRINCIPAL } from '../../src/cli/cli-context';
import { createLoaders } from '../../src/services/loaders/create-loaders';
import { codes, ok, startTestGateway, TEST_RECEIPT_KEY, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { anotherInstance, Instance } from '../support/instances';
import { PrivateMariadb, startPrivateMariadb } from '../support/private-mariadb';
import { catalogOf } from '../support/internals';

const RUN = process.env.PGW_TEST_ENGINES?.includes('mysql');

const STORES = 'query{ stores { id server } }';
const LOOKUP = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email orders { totalCount } } }';
const FORGET = 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { store { id } status customersDeleted ordersAnonymized visitorsDeleted eventsDeleted } } }';
const CREATE_STORE = 'mutation($c:ID!,$n:String!,$srv:String){ createStore(companyId:$c, name:$n, server:$srv){ id server } }';

/** Runs a command to its end; rejects with its exit code and output when it fails. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, cwd: join(__dirname, '..', '..'), timeout: 50_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

/** Databases on a server whose name starts with `prefix`. */
async function databasesOn(url: string, prefix: string): Promise<string[]> {
  const u = new URL(url);
  const c = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
  try {
    const [rows] = await c.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1', [`${prefix}%`]);
    return (rows as { n: string }[]).map((r) => r.n);
  } finally {
    await c.end();
  }
}

/** One person with a customer row, a visitor with a log and an order, in one store. */
async function seedPerson(t: TestGateway, key: string, s: string, id: string, email: string): Promise<void> {
  ok(await t.gql(key, UPSERT_CUSTOMERS, { s, c: [{ id, email, city: 'Aarhus' }, { id: `${id}-other`, email: `other.${email}` }] }));
  ok(await t.gql(key, TRACK_EVENTS, { s, e: [1, 2, 3].map((i) => ({ visitorId: `v-${id}`, customerId: id, type: 'PAGE_VIEW', url: `https://shop/p/${i}` })) }));
  ok(await t.gql(key, UPSERT_ORDERS, { s, o: [{ id: `o-${id}`, customerId: id, email, visitorId: `v-${id}`, currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] }] }));
}

(RUN ? describe : describe.skip)('stores on several MySQL servers', () => {
  let db2: PrivateMariadb;
  let t: TestGateway;
  let other: Instance;
  let a: Tenant;
  let prefix: string;

  beforeAll(async () => {
    db2 = await startPrivateMariadb();
    t = await startTestGateway('mysql', { STORE_SERVERS: `eu-2=${db2.url}` });
    other = await anotherInstance(t);
    prefix = t.config.mysql!.catalogDatabase;
    a = await createTenant(t, 'Spread', 4);
  }, 60_000);
  afterAll(async () => {
    await other?.close().catch(() => undefined);
    await t?.close().catch(() => undefined);
    await db2?.stop();
  });

  it('places each new store on the server with the fewest stores, and creates its database there', async () => {
    const stores = ok(await t.gql(a.key, STORES)).stores as { id: string; server: string }[];
    expect(stores.map((s) => s.server)).toEqual(['default', 'eu-2', 'default', 'eu-2']);
    const rows = await catalogOf(t.gateway.services).getRepository(StoreEntity).findBy({ companyId: a.companyId });
    const dbOf = (id: string) => rows.find((r) => r.id === id)!.databaseName;
    expect(await databasesOn(db2.url, prefix)).toEqual([dbOf(stores[1].id), dbOf(stores[3].id)].sort());
    const shared = await databasesOn(process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306', prefix);
    expect(shared).toEqual(expect.arrayContaining([dbOf(stores[0].id), dbOf(stores[2].id)]));
    expect(shared).not.toContain(dbOf(stores[1].id));
  });

  it('puts a store on the server createStore names, and refuses a server that is not configured', async () => {
    const named = ok(await t.gql(t.adminKey, CREATE_STORE, { c: a.companyId, n: 'Named', srv: 'eu-2' })).createStore;
    expect(named.server).toBe('eu-2');
    const bad = await t.gql(t.adminKey, CREATE_STORE, { c: a.companyId, n: 'Nowhere', srv: 'us-1' });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors?.[0].message).toMatch(/Unknown server "us-1"; configured: default, eu-2/);
    // Now eu-2 holds more: the next unnamed store goes to default.
    expect(ok(await t.gql(t.adminKey, CREATE_STORE, { c: a.companyId, n: 'Balanced', srv: null })).createStore.server).toBe('default');
  });

  it('gives one profile, report, dashboard and forget across a company whose stores span both servers', async () => {
    const [s1, s2] = a.storeIds; // default, eu-2
    await seedPerson(t, a.key, s1, 'kim', 'kim@example.com');
    await seedPerson(t, a.key, s2, 'kim-se', 'kim@example.com');
    // Either instance answers for either server.
    expect(ok(await other.gql(a.key, LOOKUP, { s: s2, q: 'kim@example.com' })).customer).toEqual({ id: 'kim-se', email: 'kim@example.com', orders: { totalCount: 1 } });
    expect(ok(await t.gql(a.key, LOOKUP, { s: s1, q: 'kim' })).customer).toEqual({ id: 'kim', email: 'kim@example.com', orders: { totalCount: 1 } });

    const report = ok(await other.gql(a.key, 'query{ privacyReport(idOrEmail:"kim@example.com"){ stores { store { id server } customer { id } orders { id } events { url } dataCategories } } }'));
    const held = report.privacyReport.stores.filter((r: { customer: unknown }) => r.customer);
    expect(held).toEqual([
      { store: { id: s1, server: 'default' }, customer: { id: 'kim' }, orders: [{ id: 'o-kim' }], events: [1, 2, 3].map((i) => ({ url: `https://shop/p/${i}` })), dataCategories: ['emailAddress', 'crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'] },
      { store: { id: s2, server: 'eu-2' }, customer: { id: 'kim-se' }, orders: [{ id: 'o-kim-se' }], events: [1, 2, 3].map((i) => ({ url: `https://shop/p/${i}` })), dataCategories: ['emailAddress', 'crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'] },
    ]);

    const dash = ok(await t.gql(a.key, '{ company { gdprDashboard { stores { store { id } location { database } counts { orders visitors } } } } }'));
    const byId = Object.fromEntries(dash.company.gdprDashboard.stores.map((s: { store: { id: string } }) => [s.store.id, s]));
    expect(byId[s1]).toEqual({ store: { id: s1 }, location: { database: expect.stringContaining('"default"') }, counts: { orders: 1, visitors: 1 } });
    expect(byId[s2]).toEqual({ store: { id: s2 }, location: { database: expect.stringContaining('"eu-2"') }, counts: { orders: 1, visitors: 1 } });

    const forget = ok(await other.gql(a.key, FORGET, { q: 'kim@example.com' })).forgetCustomer.requests;
    const done = forget.filter((r: { customersDeleted: number }) => r.customersDeleted > 0);
    expect(done).toEqual([
      { store: { id: s1 }, status: 'COMPLETED', customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 3 },
      { store: { id: s2 }, status: 'COMPLETED', customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 3 },
    ]);
    expect(forget.every((r: { status: string }) => r.status === 'COMPLETED')).toBe(true);
    for (const [s, id] of [[s1, 'kim'], [s2, 'kim-se']]) {
      expect(ok(await t.gql(a.key, LOOKUP, { s, q: 'kim@example.com' })).customer).toBeNull();
      expect(ok(await other.gql(a.key, LOOKUP, { s, q: id })).customer).toBeNull();
      expect(ok(await t.gql(a.key, LOOKUP, { s, q: `other.kim@example.com` })).customer).toEqual(expect.objectContaining({ email: 'other.kim@example.com' }));
    }
  });

  it('moves a store to the other server while both instances keep answering, and a forget issued mid-move holds', async () => {
    const s = a.storeIds[2]; // on default
    await seedPerson(t, a.key, s, 'lea', 'lea@example.com');
    await seedPerson(t, a.key, s, 'max', 'max@example.com');
    // Enough rows for several chunks per table.
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: Array.from({ length: 120 }, (_, i) => ({ id: `bulk-${i}`, email: `bulk${i}@example.com` })) }));
    // And for storeStats' rollups, whose keys have several columns: 60 visitors a day, week and month.
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: Array.from({ length: 60 }, (_, i) => ({ visitorId: `bulk-v${i}`, type: 'PAGE_VIEW', occurredAt: '2026-06-10T12:00:00.000Z' })) }));
    const counts = 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } }';
    const before = ok(await t.gql(a.key, counts, { s }));
    const oldDb = (await catalogOf(t.gateway.services).getRepository(StoreEntity).findOneByOrFail({ id: s })).databaseName;
    // The other instance has the store open on the old server.
    expect(ok(await other.gql(a.key, LOOKUP, { s, q: 'max' })).customer.id).toBe('max');

    // Reads through both instances, all along the move.
    let reading = true;
    const readErrors: unknown[] = [];
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        for (const g of [t, other]) {
          const r = await g.gql(a.key, LOOKUP, { s, q: 'max' });
          reads++;
          if (r.errors || r.data?.customer?.id !== 'max') readErrors.push(r.errors ?? r.data);
        }
      }
    })();

    let forget: Promise<unknown> | null = null;
    let ingest: Promise<unknown> | null = null;
    const s3 = t.gateway.services;
    const mover = new StoreMoveService(s3.config, s3.tenancy, s3.replay, s3.audit, s3.log);
    const ctx = { requestId: 'test-move', principal: CLI_PRINCIPAL, loaders: createLoaders(s3.tenancy, { principal: CLI_PRINCIPAL }) };
    const result = await mover.move(ctx, s, 'eu-2', {
      chunkRows: 50,
      dropAfterMs: 300,
      onPhase: async (phase) => {
        if (phase === 'locked') {
          // Issued while the copy runs, on the other instance: it waits for the move's lock.
          forget = other.gql(a.key, FORGET, { q: 'lea@example.com', s });
          ingest = t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'during-move', email: 'during@example.com' }] });
          await new Promise((r) => setTimeout(r, 400));
        }
      },
    });
    reading = false;
    await reader;

    expect(result).toEqual(expect.objectContaining({ from: 'default', to: 'eu-2', databaseName: oldDb }));
    expect(result.rows).toEqual(expect.objectContaining({ customers: 124, orders: 2, visitors: 62, visit_events: 66, order_lines: 2, stats_bucket_visitors: 186 }));
    expect(readErrors).toEqual([]);
    expect(reads).toBeGreaterThan(2);
    // The forget and the batch waited for the copy, then ran on the new copy.
    // Lea is erased once on the new copy: by her forget's own retry there, or by the replay
    // after the switch when it got there first (they race; either order is right).
    const f = ok((await forget!) as never) as { forgetCustomer: { requests: { status: string; customersDeleted: number; eventsDeleted: number }[] } };
    expect(f.forgetCustomer.requests).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(f.forgetCustomer.requests[0].customersDeleted + result.replay.customersDeleted).toBe(1);
    expect(f.forgetCustomer.requests[0].eventsDeleted + result.replay.eventsDeleted).toBe(3);
    expect(result.replay.replayed).toBeGreaterThanOrEqual(1);
    expect(ok((await ingest!) as never)).toEqual({ upsertCustomers: { accepted: 1, suppressed: 0, emailsDropped: 0 } });

    // Where it lives now, for both instances; the old copy is gone.
    expect(ok(await other.gql(a.key, STORES)).stores.find((x: { id: string }) => x.id === s).server).toBe('eu-2');
    expect(await databasesOn(db2.url, oldDb)).toEqual([oldDb]);
    expect(await databasesOn(process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306', oldDb)).toEqual([]);
    for (const g of [t, other]) {
      expect(ok(await g.gql(a.key, LOOKUP, { s, q: 'lea@example.com' })).customer).toBeNull();
      expect(ok(await g.gql(a.key, LOOKUP, { s, q: 'max' })).customer).toEqual({ id: 'max', email: 'max@example.com', orders: { totalCount: 1 } });
      expect(ok(await g.gql(a.key, LOOKUP, { s, q: 'during-move' })).customer).toEqual(expect.objectContaining({ id: 'during-move' }));
    }
    const after = ok(await other.gql(a.key, counts, { s }));
    expect(after).toEqual({ customers: { totalCount: before.customers.totalCount }, orders: before.orders }); // lea gone, during-move added
    // The person stays suppressed on the new copy.
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'lea', email: 'lea@example.com' }] })).upsertCustomers.suppressed).toBe(1);
  }, 60_000);

  it('erases on the new copy a forget recorded while the copy was made, by replaying the ledger', async () => {
    const s = a.storeIds[0]; // default
    await seedPerson(t, a.key, s, 'ida', 'ida@example.com');
    const s3 = t.gateway.services;
    const mover = new StoreMoveService(s3.config, s3.tenancy, s3.replay, s3.audit, s3.log);
    const ctx = { requestId: 'test-move-2', principal: CLI_PRINCIPAL, loaders: createLoaders(s3.tenancy, { principal: CLI_PRINCIPAL }) };
    const result = await mover.move(ctx, s, 'eu-2', {
      dropAfterMs: 100,
      onPhase: async (phase) => {
        if (phase !== 'verified') return;
        // As a forget through an instance still on the old copy would leave it: the ledger row
        // and the suppression entry in the catalog, the erase on the old copy only (after the
        // snapshot the new copy was made from).
        const id = randomUUID();
        const now = new Date();
        await catalogOf(s3).getRepository(ForgetRequestEntity).insert({
          id, storeId: s, companyId: a.companyId, subjectHash: s3.hasher.hash(s, 'email', 'ida@example.com'), status: 'COMPLETED',
          requestedByKeyId: 'test', requestedAt: now, completedAt: now, backupsClearBy: new Date(now.getTime() + 30 * 86_400_000),
          customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 3, alreadyForgotten: false, failure: null,
        });
        await new SuppressionService(s3.tenancy, s3.hasher).suppress(ctx, s, { emails: ['ida@example.com'], customerIds: [], visitorIds: [] }, id);
      },
    });
    expect(result.to).toBe('eu-2');
    expect(result.replay).toEqual(expect.objectContaining({ customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 3 }));
    expect(ok(await other.gql(a.key, LOOKUP, { s, q: 'ida' })).customer).toBeNull();
    expect(ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ edges { node { id email anonymized } } } }', { s })).orders.edges.map((e: { node: unknown }) => e.node))
      .toEqual(expect.arrayContaining([{ id: 'o-ida', email: null, anonymized: true }]));
  }, 60_000);

  it('leaves the store where it was, writable, and drops the half-made copy when a move fails half-way', async () => {
    const s = a.storeIds[1]; // eu-2
    const s3 = t.gateway.services;
    const db = (await catalogOf(s3).getRepository(StoreEntity).findOneByOrFail({ id: s })).databaseName;
    const mover = new StoreMoveService(s3.config, s3.tenancy, s3.replay, s3.audit, s3.log);
    const ctx = { principal: CLI_PRINCIPAL, loaders: createLoaders(s3.tenancy, { principal: CLI_PRINCIPAL }) };
    await expect(
      mover.move(ctx, s, 'default', {
        onPhase: (phase, detail) => {
          if (phase === 'copying' && detail?.table === 'orders') throw new Error('copy interrupted');
        },
      }),
    ).rejects.toThrow('copy interrupted');
    expect(await databasesOn(process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306', db)).toEqual([]);
    expect(ok(await other.gql(a.key, STORES)).stores.find((x: { id: string }) => x.id === s).server).toBe('eu-2');
    expect(ok(await other.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'after-failed-move' }] })).upsertCustomers.accepted).toBe(1);
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: 'after-failed-move' })).customer).toEqual(expect.objectContaining({ id: 'after-failed-move' }));
  });

  it('moves a store from the command line (npm run move-store), the running gateway following', async () => {
    const s = a.storeIds[3]; // eu-2
    const env = {
      ...process.env,
      DATABASE_URL: `${process.env.MYSQL_TEST_URL ?? 'mysql://root@127.0.0.1:3306'}/${prefix}`,
      STORE_SERVERS: `eu-2=${db2.url}`,
      SUBJECT_HASH_SECRET: t.config.subjectHashSecret,
      RECEIPT_SIGNING_KEY: TEST_RECEIPT_KEY,
      LOG_LEVEL: 'silent',
    };
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/move-store.ts', '--store', s, '--to', 'default', '--drop-after', '0'], env);
    expect(stdout).toMatch(new RegExp(`moved store ${s} \\(database ${prefix}_s_[0-9a-f]+\\) from eu-2 to default in [0-9.]+ s; rows verified: customers 0, order_lines 0, orders 0, preference_tallies 0, products 0, purge_positions 0, stats_bucket_buyers 0, stats_bucket_visitors 0, stats_day_events 0, stats_day_orders 0, stats_day_products 0, visit_events 0, visitors 0`));
    expect(ok(await t.gql(a.key, STORES)).stores.find((x: { id: string }) => x.id === s).server).toBe('default');
    expect(ok(await other.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'after-cli-move' }] })).upsertCustomers.accepted).toBe(1);
    const usage = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/move-store.ts', '--store', s], env).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toEqual(expect.objectContaining({ code: 2, stderr: expect.stringContaining('usage: npm run move-store') }));
    // Two CLI processes loading the app through ts-node: ~47 s at load 15, and past 60 s beside
    // the Galera suite (the other jest worker in `npm test`).
  }, 150_000);

  it('refuses to move a store to the server it is on, or to one that is not configured, and leaves it serving', async () => {
    const s3 = t.gateway.services;
    const mover = new StoreMoveService(s3.config, s3.tenancy, s3.replay, s3.audit, s3.log);
    const ctx = { principal: CLI_PRINCIPAL, loaders: createLoaders(s3.tenancy, { principal: CLI_PRINCIPAL }) };
    await expect(mover.move(ctx, a.storeIds[1], 'eu-2')).rejects.toThrow(/already lives on "eu-2"/);
    await expect(mover.move(ctx, a.storeIds[1], 'mars')).rejects.toThrow(/Unknown server "mars"/);
    expect(ok(await t.gql(a.key, LOOKUP, { s: a.storeIds[1], q: 'other.kim@example.com' })).customer).toEqual(expect.objectContaining({ id: 'kim-se-other' }));
  });
});
