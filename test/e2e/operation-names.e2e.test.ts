import type { AddressInfo } from 'node:net';
import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';

const AUDIT = 'query($s:ID!){ auditLog(storeId:$s, first: 50){ edges { node { operation records } } } }';

describe.each(ENGINES)('client-chosen operation names and the metrics listener [%s]', (engine) => {
  const logs: Record<string, unknown>[] = [];
  let t: TestGateway;
  let a: Tenant;
  let s: string;
  const audited = async (): Promise<string[]> =>
    ok(await t.gql(a.key, AUDIT, { s })).auditLog.edges.map((e: { node: { operation: string } }) => e.node.operation);

  beforeAll(async () => {
    t = await startTestGateway(engine, {}, { logs });
    a = await createTenant(t, 'Named');
    s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'n1', email: 'n1@example.com' }, { id: 'n2', email: 'n2@example.com' }] }));
  });
  afterAll(() => t?.close());

  it('audits and logs a long operation name bounded to 64 characters, distinct names staying distinct', async () => {
    const long70 = 'Q' + 'x'.repeat(69);
    const long900k = 'Big' + 'y'.repeat(900_000);
    const other900k = 'Big' + 'y'.repeat(899_999) + 'z';
    for (const name of [long70, long900k, other900k]) {
      ok(await t.gql(a.key, `query ${name}($s:ID!){ customer(storeId:$s, idOrEmail:"n1"){ email } }`, { s }));
    }
    const ops = await audited();
    const stored = ops.filter((o) => o.startsWith('Q') || o.startsWith('Big'));
    expect(stored).toHaveLength(3);
    for (const o of stored) expect(o.length).toBeLessThanOrEqual(64);
    expect(new Set(stored).size).toBe(3);
    expect(stored.find((o) => o.startsWith('Big'))).toMatch(/^Bigy{44}~[0-9a-f]{16}$/);
    // The stored form is what the audit filter finds.
    const one = stored.find((o) => o.startsWith('Q'))!;
    const found = ok(await t.gql(a.key, 'query($o:String!){ auditLog(operation:$o){ totalCount } }', { o: one })).auditLog.totalCount;
    expect(found).toBe(1);
    const logged = logs.filter((l) => l.msg === 'graphql request').map((l) => String(l.operation ?? ''));
    expect(Math.max(...logged.map((o) => o.length))).toBeLessThanOrEqual(64);
  });

  it('audits an unnamed query with many aliased root fields under its distinct root fields', async () => {
    const aliases = Array.from({ length: 8 }, (_, i) => `c${i}: customer(storeId:$s, idOrEmail:"n${(i % 2) + 1}"){ email }`).join(' ');
    const r = ok(await t.gql(a.key, `query($s:ID!){ ${aliases} }`, { s }));
    expect(r.c0).toEqual({ email: 'n1@example.com' });
    expect((await audited()).filter((o) => o === 'customer')).toEqual(['customer']);
  });

  it('serves metrics on their own loopback listener only, labelled by root field whatever the operation names', async () => {
    const onPublic = await fetch(t.url.replace(/\/graphql$/, '/metrics'));
    expect(onPublic.status).toBe(404);
    const address = t.gateway.metricsServer()!.address() as AddressInfo;
    expect(address.address).toBe('127.0.0.1');
    expect(address.port).not.toBe(Number(new URL(t.url).port));
    expect((await fetch(t.metricsUrl.replace(/\/metrics$/, '/graphql'))).status).toBe(404);

    for (let i = 0; i < 200; i++) ok(await t.gql(a.key, `query Op${i}_zq9 { viewer { apiKeyId } }`));
    await t.gql(a.key, 'query Broken_zq9 { viewer { nope } }');
    const body = await (await fetch(t.metricsUrl)).text();
    expect(body).not.toContain('zq9');
    const labels = new Set([...body.matchAll(/pgw_graphql_requests_total\{operation="([^"]+)"/g)].map((m) => m[1]));
    expect([...labels].every((l) => ['viewer', 'customer', 'upsertCustomers', 'createCompany', 'createStore', 'createApiKey', 'auditLog', 'multiple', 'invalid'].includes(l))).toBe(true);
    expect(body).toMatch(/pgw_graphql_requests_total\{operation="viewer",outcome="ok"\} 200/);
    expect(body).toMatch(/pgw_graphql_requests_total\{operation="invalid",outcome="GRAPHQL_VALIDATION_FAILED"\} 1/);
  });
});

describe('the metrics listener configuration', () => {
  it('can be turned off, and binds where METRICS_HOST says', async () => {
    const off = await startTestGateway('sqlite', { METRICS_PORT: 'off' });
    try {
      expect(off.gateway.metricsServer()).toBeNull();
    } finally {
      await off.close();
    }
    const any = await startTestGateway('sqlite', { METRICS_HOST: '0.0.0.0' });
    try {
      expect((any.gateway.metricsServer()!.address() as AddressInfo).address).toBe('0.0.0.0');
      expect((await fetch(any.metricsUrl)).status).toBe(200);
    } finally {
      await any.close();
    }
  });
});
