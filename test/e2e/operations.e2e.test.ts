import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { storeDdl } from '../support/faults';
import { registryOf } from '../support/internals';

const EMAIL = 'logged.person@example.com';
const CUSTOMER_ID = 'cust-logged-4411';

describe.each(ENGINES)('logs, metrics and rate limits [%s]', (engine) => {
  describe('logs', () => {
    const logs: Record<string, unknown>[] = [];
    let t: TestGateway;
    beforeAll(async () => {
      t = await startTestGateway(engine, {}, { logs });
    });
    afterAll(() => t?.close());

    it('carry request ID, operation, key and duration, and never an e-mail, a customer ID or a secret', async () => {
      const a = await createTenant(t, 'Logged');
      const s = a.storeIds[0];
      ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: CUSTOMER_ID, email: EMAIL, name: 'Logged Person' }] }));
      ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'lv', customerId: CUSTOMER_ID, email: EMAIL, type: 'PAGE_VIEW' }] }));
      ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'lo', customerId: CUSTOMER_ID, email: EMAIL, currency: 'EUR', lines: [] }] }));
      ok(await t.gql(a.key, 'query Look($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ email } }', { s, q: EMAIL }));
      ok(await t.gql(a.key, 'query($q:String!){ privacyReport(idOrEmail:$q){ json } }', { q: CUSTOMER_ID }));
      // A database error whose message quotes the e-mail: the log must not repeat it.
      const quoting = t.engine === 'mysql'
        ? `CREATE TRIGGER leak BEFORE DELETE ON customers FOR EACH ROW BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'cannot delete ${EMAIL}'; END`
        : `CREATE TRIGGER leak BEFORE DELETE ON customers BEGIN SELECT RAISE(ABORT, 'cannot delete ${EMAIL}'); END`;
      await storeDdl(t, s, quoting);
      const failed = ok(await t.gql(a.key, 'mutation($q:String!){ forgetCustomer(idOrEmail:$q){ requests { status } } }', { q: EMAIL }));
      expect(failed.forgetCustomer.requests[0].status).toBe('FAILED');
      await storeDdl(t, s, 'DROP TRIGGER leak');
      ok(await t.gql(a.key, 'mutation($q:String!){ forgetCustomer(idOrEmail:$q){ requests { status } } }', { q: EMAIL }));
      await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s, first: 5000){ totalCount } }', { s }); // an error response

      const text = JSON.stringify(logs);
      expect(logs.length).toBeGreaterThan(10);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(CUSTOMER_ID);
      expect(text).not.toContain(a.key);
      expect(text).not.toContain(t.adminKey);
      const look = logs.find((l) => l.operation === 'Look');
      expect(look).toEqual(expect.objectContaining({ msg: 'graphql request', requestId: expect.any(String), apiKeyId: expect.any(String), ms: expect.any(Number) }));
      expect(logs.some((l) => l.msg === 'forget failed in a store')).toBe(true);
    });
  });

  describe('metrics and rate limits', () => {
    let t: TestGateway;
    beforeAll(async () => {
      t = await startTestGateway(engine, { RATE_LIMIT_PER_MINUTE: '40', RATE_LIMIT_ANON_PER_MINUTE: '3' });
    });
    afterAll(() => t?.close());

    it('exposes request, store and forget metrics in the Prometheus format', async () => {
      const a = await createTenant(t, 'Measured');
      ok(await t.gql(a.key, 'query Counted($s:ID!){ customers(storeId:$s){ totalCount } }', { s: a.storeIds[0] }));
      ok(await t.gql(a.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"nobody@example.com", storeId:$s){ requests { status } } }', { s: a.storeIds[0] }));
      const res = await fetch(t.metricsUrl);
      const body = await res.text();
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      // Labelled by the root field the operation ran, never by the client's operation name.
      expect(body).toMatch(/pgw_graphql_requests_total\{operation="customers",outcome="ok"\} 1/);
      expect(body).toMatch(/pgw_graphql_request_duration_seconds_bucket\{le="[^"]+",operation="customers",outcome="ok"\}/);
      expect(body).not.toContain('Counted');
      expect(body).toMatch(/pgw_open_store_databases \d+/);
      expect(body).toMatch(/pgw_forget_requests_total\{status="COMPLETED"\} 1/);
      expect(body).toMatch(/pgw_db_pool_waiting \d+/);
      // Every store DataSource the registry opened is counted (this request's store at least).
      const opened = registryOf(t.gateway.services).opened;
      expect(opened).toBeGreaterThan(0);
      expect(body).toContain(`pgw_store_database_opens_total ${opened}\n`);
    });

    it('answers RATE_LIMITED with a retry hint once a key spends its budget', async () => {
      const a = await createTenant(t, 'Chatty');
      let limited: Response | null = null;
      for (let i = 0; i < 60 && !limited; i++) {
        const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.key}` }, body: JSON.stringify({ query: '{ viewer { apiKeyId } }' }) });
        if (res.status === 429) limited = res;
      }
      expect(limited).not.toBeNull();
      const body = (await limited!.json()) as { errors: { extensions: unknown }[] };
      expect(body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another key is not affected.
      const other = await createTenant(t, 'Quiet');
      expect(ok(await t.gql(other.key, '{ viewer { apiKeyId } }')).viewer.apiKeyId).toEqual(expect.any(String));
    });

    it('limits requests without a valid key per address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await t.gql('pgw_guess_' + i, '{ viewer { apiKeyId } }')).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
    });
  });
});
