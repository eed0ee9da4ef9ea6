import { asMysqlAdmin, codes, ENGINES, GqlResult, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, TRACK_EVENTS, UPSERT_CUSTOMERS } from '../support/fixtures';
import { catalogOf, registryOf } from '../support/internals';

/**
 * A store transaction never asks its own pool for a second connection. The subject lock once
 * asked the store's DataSource (not the transaction) whether the server is a Galera node, the
 * first time per pool: with every pooled connection held by a transaction waiting for that
 * answer, none was ever free to give it, and the requests hung for good (the Galera suite's
 * race test, issue 17, whenever a burst of forgets was the first use of a store's pool on an
 * instance). A pool of one connection makes that deterministic; a burst of first writes on a
 * pool of two is the shape the cluster test met.
 */
const FORGET = 'mutation($s:ID!,$q:String!){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { status } } }';

/** A request that hangs fails the test with its name instead of running into jest's timeout. */
function answered<T>(what: string, r: Promise<GqlResult<T>>): Promise<GqlResult<T>> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    r.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within 20 s (a store transaction waiting for a second connection of its own pool?)`)), 20_000);
    }),
  ]);
}

describe.each(ENGINES.filter((e) => e === 'mysql'))('store pools [%s]', (engine) => {
  let small: TestGateway | undefined;
  afterEach(async () => {
    await small?.close();
    small = undefined;
  });

  it('serves ingestion and a forget with one connection per store (STORE_POOL_SIZE=1)', async () => {
    small = await startTestGateway(engine, { STORE_POOL_SIZE: '1' });
    const tenant = await createTenant(small, 'One connection');
    const s = tenant.storeIds[0];
    const t = small;
    expect(ok(await answered('first ingestion', t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1', email: 'c1@example.dk' }, { id: 'c2' }] }))).upsertCustomers.accepted).toBe(2);
    expect(ok(await answered('forget', t.gql(tenant.key, FORGET, { s, q: 'c1@example.dk' }))).forgetCustomer.requests).toEqual([{ status: 'COMPLETED' }]);
    expect(ok(await answered('later ingestion', t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1' }, { id: 'c3' }] }))).upsertCustomers).toEqual({ accepted: 1, suppressed: 1, emailsDropped: 0 });
  }, 90_000);

  it('serves a burst of first writes and forgets larger than the pool, on a store no request used before', async () => {
    small = await startTestGateway(engine, { STORE_POOL_SIZE: '2' });
    const tenant = await createTenant(small, 'Burst');
    const s = tenant.storeIds[0];
    const t = small;
    // A second instance-like start: the store's pool on this gateway is opened by the burst itself.
    await registryOf(t.gateway.services).close(s);
    const people = Array.from({ length: 8 }, (_, i) => `b${i}@example.dk`);
    const results = await Promise.all([
      ...people.map((q) => answered(`forget ${q}`, t.gql(tenant.key, FORGET, { s, q }))),
      ...people.map((_, i) => answered(`events ${i}`, t.gql(tenant.key, TRACK_EVENTS, { s, e: [{ visitorId: `v${i}`, type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: new Date().toISOString() }] }))),
    ]);
    expect(results.flatMap(codes)).toEqual([]);
    expect(results.slice(0, people.length).map((r) => r.data!.forgetCustomer.requests[0].status)).toEqual(people.map(() => 'COMPLETED'));
  }, 90_000);

  it('answers SERVICE_UNAVAILABLE when a statement outlives DB_QUERY_TIMEOUT_MS waiting for a lock, not once the server gives up (50 s)', async () => {
    // mysql2's statement deadline answers the caller but leaves the statement running on its
    // connection: the transaction's ROLLBACK queued behind it until InnoDB's lock wait timeout.
    small = await startTestGateway(engine, { DB_QUERY_TIMEOUT_MS: '1000' });
    const tenant = await createTenant(small, 'Deadline');
    const s = tenant.storeIds[0];
    const t = small;
    ok(await t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c0' }] }));
    const [{ databaseName }] = (await catalogOf(t.gateway.services).query('SELECT databaseName FROM stores WHERE id = ?', [s])) as { databaseName: string }[];
    await asMysqlAdmin(async (admin) => {
      // A writer elsewhere holds the store's subject lock (a long store move, a stuck session).
      await admin.query('SET SESSION innodb_lock_wait_timeout = 50');
      await admin.query('START TRANSACTION');
      await admin.query(`SELECT name FROM \`${databaseName}\`.store_locks FOR UPDATE`);
      try {
        const stuck = await answered('ingestion behind a held lock', t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1' }] }));
        expect(codes(stuck)).toEqual(['SERVICE_UNAVAILABLE']);
      } finally {
        await admin.query('ROLLBACK');
      }
    });
    // The pool is healthy afterwards.
    expect(ok(await answered('ingestion afterwards', t.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c2' }] }))).upsertCustomers.accepted).toBe(1);
  }, 120_000);
});
