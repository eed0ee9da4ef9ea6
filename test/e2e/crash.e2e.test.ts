import { ENGINES, ok, TestGateway } from '../support/gateway';
import { createTenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { GatewayProcess, killStartedProcesses, processDatabases, ProcessDatabases, startGatewayProcess } from '../support/process';
import { until } from '../support/wait';

/**
 * A gateway process killed (SIGKILL) in the middle of a forget: its store transaction rolls
 * back and the ledger entry stays PENDING. The restarted gateway finishes it by itself (forget
 * recovery), from the suppression entries the forget wrote before touching the store.
 */
const PERSON = { id: 'crash-cust-1', email: 'kasper.crash@example.dk', visitor: 'crash-visitor-1' };
const EVENTS = 60_000;
const FAST = { LEASE_TTL: '2s', FORGET_RECOVERY_INTERVAL: '1s' };

const FORGET = 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { id status } } }';
const LEDGER = 'query{ forgetRequests(first: 10){ edges { node { id status customersDeleted ordersAnonymized visitorsDeleted eventsDeleted alreadyForgotten failure completedAt receipt } } } }';
const AUDIT = 'query{ auditLog(operation: "forgetCustomer.recovered", first: 10){ edges { node { operation apiKeyId storeId records } } } }';

/** A fixed recent time as both engines store DATETIME(3). */
const RECENT = new Date(Date.now() - 86_400_000).toISOString().replace('T', ' ').replace('Z', '');

/** `n` more events for one visitor, straight into the store database (the API takes 1,000 per batch). */
async function bulkEvents(dbs: ProcessDatabases, storeId: string, visitorId: string, n: number): Promise<void> {
  const digit = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const concat = dbs.engine === 'mysql' ? "CONCAT('https://shop.example/p/', x.i)" : "'https://shop.example/p/' || x.i";
  await dbs.storeSql(
    storeId,
    `INSERT INTO visit_events (visitorId, type, url, occurredAt, durationSeconds)
     SELECT ?, 'PAGE_VIEW', ${concat}, ?, 5 FROM
       (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS i FROM ${digit} a, ${digit} b, ${digit} c, ${digit} e, ${digit} f) x
     WHERE x.i < ?`,
    [visitorId, RECENT, n],
  );
}

afterAll(killStartedProcesses);

describe.each(ENGINES)('forget recovery after a crash [%s]', (engine) => {
  let dbs: ProcessDatabases;
  let gw: GatewayProcess | undefined;
  beforeAll(async () => {
    dbs = await processDatabases(engine);
  });
  afterAll(async () => {
    if (gw && gw.child.exitCode === null) gw.child.kill('SIGKILL');
    await dbs.drop();
  });

  it('finishes a forget killed mid-way, after restart, with no call from the client: COMPLETED, right counts, data gone', async () => {
    const first = await startGatewayProcess(dbs, FAST);
    gw = first;
    const tenant = await createTenant(first as unknown as TestGateway, 'Crash Shop');
    const s = tenant.storeIds[0];
    ok(await first.gql(tenant.key, UPSERT_CUSTOMERS, { s, c: [{ id: PERSON.id, email: PERSON.email, name: 'Kasper' }, { id: 'bystander', email: 'bystander@example.dk' }] }));
    ok(await first.gql(tenant.key, TRACK_EVENTS, { s, e: [
      { visitorId: PERSON.visitor, customerId: PERSON.id, type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: new Date().toISOString() },
      { visitorId: 'bystander-visitor', customerId: 'bystander', type: 'PAGE_VIEW', url: 'https://shop.example/', occurredAt: new Date().toISOString() },
    ] }));
    ok(await first.gql(tenant.key, UPSERT_ORDERS, { s, o: [{ id: 'crash-order-1', customerId: PERSON.id, email: PERSON.email, visitorId: PERSON.visitor, currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] }] }));
    await bulkEvents(dbs, s, PERSON.visitor, EVENTS - 1);
    const personEvents = async () => Number((await dbs.storeSql<{ n: number }>(s, 'SELECT COUNT(*) AS n FROM visit_events WHERE visitorId = ?', [PERSON.visitor]))[0].n);
    expect(await personEvents()).toBe(EVENTS);

    // The forget starts; the moment it has written its suppression entries (just before it
    // opens the store transaction that erases 60,000 events), the process dies.
    first.gql(tenant.key, FORGET, { q: PERSON.email, s }).catch(() => undefined);
    const requestId = await until('the suppression entries', async () => (await dbs.catalogSql<{ id: string }>('SELECT forgetRequestId AS id FROM suppressions'))[0]?.id, 20_000, 2);
    first.child.kill('SIGKILL');
    await first.exited;

    // Mid-forget indeed: PENDING, its suppression entries written, the store rolled back.
    expect(await dbs.catalogSql('SELECT id, status FROM forget_requests')).toEqual([{ id: requestId, status: 'PENDING' }]);
    expect(await personEvents()).toBe(EVENTS);

    // Restarted on the same databases; nobody calls anything but the ledger, to watch.
    const second = await startGatewayProcess(dbs, FAST);
    gw = second;
    const done = await until(
      'the request to finish',
      async () => {
        const node = ok(await second.gql(tenant.key, LEDGER)).forgetRequests.edges[0].node;
        return node.status === 'PENDING' ? undefined : node;
      },
      30_000,
      250,
    );
    expect(done).toEqual({
      id: requestId,
      status: 'COMPLETED',
      customersDeleted: 1,
      ordersAnonymized: 1,
      visitorsDeleted: 1,
      eventsDeleted: EVENTS,
      alreadyForgotten: false,
      failure: null,
      completedAt: expect.any(String),
      // Finished by recovery, it is COMPLETED like any other: it has its signed receipt.
      receipt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(await personEvents()).toBe(0);
    const lookup = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';
    expect(ok(await second.gql(tenant.key, lookup, { s, q: PERSON.email })).customer).toBeNull();
    expect(ok(await second.gql(tenant.key, lookup, { s, q: PERSON.id })).customer).toBeNull();
    const orders = ok(await second.gql(tenant.key, 'query($s:ID!){ orders(storeId:$s){ edges { node { id anonymized email customer { id } } } } }', { s })).orders.edges;
    expect(orders).toEqual([{ node: { id: 'crash-order-1', anonymized: true, email: null, customer: null } }]);
    // The bystander is untouched.
    expect(ok(await second.gql(tenant.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"bystander"){ id email } }', { s })).customer).toEqual({ id: 'bystander', email: 'bystander@example.dk' });
    expect(Number((await dbs.storeSql<{ n: number }>(s, 'SELECT COUNT(*) AS n FROM visit_events WHERE visitorId = ?', ['bystander-visitor']))[0].n)).toBe(1);
    // Recorded as the platform's own act.
    expect(ok(await second.gql(tenant.key, AUDIT)).auditLog.edges).toEqual([{ node: { operation: 'forgetCustomer.recovered', apiKeyId: 'system', storeId: s, records: 1 + 1 + 1 + EVENTS } }]);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 90_000);
});
