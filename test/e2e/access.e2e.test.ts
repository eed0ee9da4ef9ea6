import { codes, ENGINES, GqlResult, ok, startTestGateway, TestGateway } from '../support/gateway';
import { ALL, createKey, createTenant, Tenant, UPSERT_CUSTOMERS, TRACK_EVENTS, UPSERT_ORDERS } from '../support/fixtures';
import { whereItOccurs } from '../support/inspect';

type Op = { name: string; scopes: string[]; run: (t: TestGateway, key: string, storeId: string) => Promise<GqlResult> };

/** Every store-scoped operation, with non-personal selections, and the scopes it needs. */
const STORE_OPS: Op[] = [
  { name: 'store', scopes: [], run: (t, k, s) => t.gql(k, 'query($s:ID!){ store(id:$s){ id } }', { s }) },
  { name: 'customer', scopes: ['PROFILES_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"m1"){ id } }', { s }) },
  { name: 'customers', scopes: ['PROFILES_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ customers(storeId:$s){ totalCount } }', { s }) },
  { name: 'orders', scopes: ['PROFILES_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ orders(storeId:$s){ totalCount } }', { s }) },
  { name: 'visitor', scopes: ['PROFILES_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ visitor(storeId:$s, id:"mv1"){ id } }', { s }) },
  { name: 'privacyReport', scopes: ['PERSONAL_DATA_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ privacyReport(idOrEmail:"m1", storeId:$s){ generatedAt } }', { s }) },
  { name: 'forgetCustomer', scopes: ['FORGET'], run: (t, k, s) => t.gql(k, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"nobody-m", storeId:$s, dryRun:true){ requests { status } } }', { s }) },
  { name: 'replayForgetRequests', scopes: ['FORGET'], run: (t, k, s) => t.gql(k, 'mutation($s:ID!){ replayForgetRequests(since:"2026-01-01T00:00:00Z", storeId:$s){ replayed } }', { s }) },
  { name: 'forgetRequests', scopes: ['FORGET'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ forgetRequests(storeId:$s){ totalCount } }', { s }) },
  { name: 'upsertCustomers', scopes: ['INGEST'], run: (t, k, s) => t.gql(k, UPSERT_CUSTOMERS, { s, c: [{ id: 'm2', city: 'Ry' }] }) },
  { name: 'trackEvents', scopes: ['INGEST'], run: (t, k, s) => t.gql(k, TRACK_EVENTS, { s, e: [{ visitorId: 'mv2', type: 'PAGE_VIEW' }] }) },
  { name: 'upsertOrders', scopes: ['INGEST'], run: (t, k, s) => t.gql(k, UPSERT_ORDERS, { s, o: [{ id: 'mo2', currency: 'EUR', lines: [] }] }) },
  { name: 'updateStoreSettings', scopes: ['SETTINGS_WRITE'], run: (t, k, s) => t.gql(k, 'mutation($s:ID!){ updateStoreSettings(storeId:$s, settings:{collectEmails:true}){ id } }', { s }) },
  { name: 'purgeExpiredData', scopes: ['SETTINGS_WRITE'], run: (t, k, s) => t.gql(k, 'mutation($s:ID!){ purgeExpiredData(storeId:$s){ eventsDeleted } }', { s }) },
  { name: 'rotateWebhookSecret', scopes: ['SETTINGS_WRITE'], run: (t, k, s) => t.gql(k, 'mutation($s:ID!){ rotateWebhookSecret(storeId:$s){ secret } }', { s }) },
  { name: 'webhookDeliveries', scopes: ['SETTINGS_WRITE'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ webhookDeliveries(storeId:$s){ totalCount } }', { s }) },
  { name: 'purgeRuns', scopes: ['AUDIT_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ purgeRuns(storeId:$s){ totalCount } }', { s }) },
  { name: 'auditLog', scopes: ['AUDIT_READ'], run: (t, k, s) => t.gql(k, 'query($s:ID!){ auditLog(storeId:$s){ totalCount } }', { s }) },
];

describe.each(ENGINES)('access control [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  const narrowed = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Matrix', 2);
    b = await createTenant(t, 'Outsider');
    for (const s of [a.storeIds[0], a.storeIds[1], b.storeIds[0]]) {
      const key = s === b.storeIds[0] ? b.key : a.key;
      ok(await t.gql(key, UPSERT_CUSTOMERS, { s, c: [{ id: 'm1', email: `m1@${s.slice(0, 8)}.example`, name: 'Matrix Person', city: 'Ry' }] }));
      ok(await t.gql(key, TRACK_EVENTS, { s, e: [{ visitorId: 'mv1', customerId: 'm1', type: 'PAGE_VIEW', url: 'https://x/1' }] }));
    }
    // One key per scope, narrowed to the company's first store.
    for (const scope of ALL) narrowed.set(scope, await createKey(t, a.key, a.companyId, [scope], [a.storeIds[0]]));
  });
  afterAll(() => t?.close());

  it('allows each operation exactly with its scope, in the key\'s own store only', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const op of STORE_OPS) {
      for (const scope of ALL) {
        const key = narrowed.get(scope)!;
        const targets: [string, string][] = [['own store', a.storeIds[0]], ['other store', a.storeIds[1]], ['other company', b.storeIds[0]]];
        for (const [where, storeId] of targets) {
          const r = await op.run(t, key, storeId);
          const got = r.errors ? String(r.errors[0].extensions?.code) : 'OK';
          const allowed = op.scopes.every((s) => s === scope);
          outcomes.push(`${op.name} × ${scope} × ${where}: ${got}`);
          expected.push(`${op.name} × ${scope} × ${where}: ${!allowed ? 'FORBIDDEN' : where === 'own store' ? 'OK' : 'NOT_FOUND'}`);
        }
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('lets an all-store key of the company reach its other stores, never another company\'s', async () => {
    for (const op of STORE_OPS) {
      expect([op.name, codes(await op.run(t, a.key, a.storeIds[1]))]).toEqual([op.name, []]);
      expect([op.name, codes(await op.run(t, a.key, b.storeIds[0]))]).toEqual([op.name, ['NOT_FOUND']]);
    }
  });

  it('answers another company\'s IDs exactly as IDs that do not exist', async () => {
    const bKeyId = ok(await t.gql(b.key, '{ viewer { apiKeyId } }')).viewer.apiKeyId;
    const pairs: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['mutation($id:ID!){ revokeApiKey(id:$id){ id } }', { id: bKeyId }, { id: '00000000-0000-0000-0000-000000000000' }],
      ['mutation($c:ID!){ createStore(companyId:$c, name:"x"){ id } }', { c: b.companyId }, { c: '00000000-0000-0000-0000-000000000000' }],
      ['mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ]){ id } }', { c: b.companyId }, { c: '00000000-0000-0000-0000-000000000000' }],
      ['mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ], storeIds:[$c]){ id } }', { c: b.storeIds[0] }, { c: '00000000-0000-0000-0000-000000000000' }],
    ];
    for (const [q, foreign, missing] of pairs) {
      const [f, m] = [await t.gql(a.key, q, foreign), await t.gql(a.key, q, missing)];
      expect(f.errors).toEqual(m.errors);
      expect(codes(f)).toEqual(['NOT_FOUND']);
    }
    expect(ok(await t.gql(b.key, '{ viewer { apiKeyId } }')).viewer.apiKeyId).toBe(bKeyId); // still works
  });

  it('never lets a key grant more than it holds', async () => {
    const limited = await createKey(t, a.key, a.companyId, ['KEYS_ADMIN', 'PROFILES_READ'], [a.storeIds[0]]);
    const q = 'mutation($c:ID!,$s:[Scope!]!,$st:[ID!]){ createApiKey(companyId:$c, scopes:$s, storeIds:$st){ id } }';
    expect(codes(await t.gql(limited, q, { c: a.companyId, s: ['PERSONAL_DATA_READ'], st: [a.storeIds[0]] }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(limited, q, { c: a.companyId, s: ['PROFILES_READ'], st: null }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(limited, q, { c: a.companyId, s: ['PROFILES_READ'], st: [a.storeIds[1]] }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(limited, q, { c: a.companyId, s: ['PROFILES_READ'], st: [a.storeIds[0]] }))).toEqual([]);
    expect(codes(await t.gql(a.key, 'mutation{ createCompany(name:"Nope"){ id } }'))).toEqual(['FORBIDDEN']);
  });

  it('shows a secret once, lists keys without secrets, records use, and revokes at once', async () => {
    const created = ok(await t.gql(a.key, 'mutation($c:ID!){ createApiKey(companyId:$c, scopes:[PROFILES_READ]){ id secret scopes storeIds revokedAt } }', { c: a.companyId })).createApiKey;
    expect(created).toEqual({ id: expect.any(String), secret: expect.stringMatching(/^pgw_/), scopes: ['PROFILES_READ'], storeIds: null, revokedAt: null });
    ok(await t.gql(created.secret, '{ viewer { apiKeyId } }'));
    const list = await t.gql(a.key, '{ apiKeys { id scopes lastUsedAt revokedAt } }');
    expect(JSON.stringify(list)).not.toContain(created.secret);
    const mine = ok(list).apiKeys.find((k: { id: string }) => k.id === created.id);
    expect(mine.lastUsedAt).not.toBeNull();
    expect(ok(await t.gql(b.key, '{ apiKeys { id } }')).apiKeys.map((k: { id: string }) => k.id)).not.toContain(created.id);
    ok(await t.gql(a.key, 'mutation($id:ID!){ revokeApiKey(id:$id){ revokedAt } }', { id: created.id }));
    expect(codes(await t.gql(created.secret, '{ viewer { apiKeyId } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('audits reads of personal data and privacy operations, by keyed hash, newest first', async () => {
    const s = a.storeIds[1];
    const reader = await createKey(t, a.key, a.companyId, ['PROFILES_READ', 'PERSONAL_DATA_READ']);
    const readerId = ok(await t.gql(reader, '{ viewer { apiKeyId } }')).viewer.apiKeyId;
    ok(await t.gql(reader, 'query Lookup($s:ID!){ customer(storeId:$s, idOrEmail:"m1"){ email crm { city } } }', { s }));
    ok(await t.gql(reader, 'query NoPersonal($s:ID!){ customer(storeId:$s, idOrEmail:"m1"){ id } }', { s }));
    ok(await t.gql(a.key, 'mutation($s:ID!){ forgetCustomer(idOrEmail:"m1", storeId:$s){ requests { status } } }', { s }));
    const log = ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s, first: 10){ edges { node { apiKeyId operation storeId subjectHash records } } } }', { s })).auditLog.edges.map((e: { node: unknown }) => e.node);
    const forget = log.find((e: { operation: string }) => e.operation === 'forgetCustomer');
    const lookup = log.find((e: { operation: string }) => e.operation === 'Lookup');
    expect(log.indexOf(forget)).toBeLessThan(log.indexOf(lookup));
    expect(lookup).toEqual({ apiKeyId: readerId, operation: 'Lookup', storeId: s, subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/), records: 1 });
    expect(forget).toEqual({ apiKeyId: expect.any(String), operation: 'forgetCustomer', storeId: s, subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/), records: 3 });
    expect(log.find((e: { operation: string }) => e.operation === 'NoPersonal')).toBeUndefined();
    const filtered = ok(await t.gql(a.key, 'query{ auditLog(operation:"Lookup"){ edges { node { operation } } } }')).auditLog.edges;
    expect(filtered.map((e: { node: { operation: string } }) => e.node.operation)).toEqual(['Lookup']);
    const future = ok(await t.gql(a.key, 'query{ auditLog(from:"2999-01-01T00:00:00Z"){ totalCount } }')).auditLog.totalCount;
    expect(future).toBe(0);
    expect(ok(await t.gql(b.key, 'query{ auditLog{ edges { node { storeId } } } }')).auditLog.edges.every((e: { node: { storeId: string } }) => e.node.storeId !== s)).toBe(true);
  });

  it('keeps no shopper identifier in clear in the catalog', async () => {
    const inCatalog = async (needle: string) => (await whereItOccurs(t, needle)).filter((place) => !/stores\/|_s_/.test(place));
    const email = `m1@${a.storeIds[0].slice(0, 8)}.example`;
    expect(await whereItOccurs(t, email)).not.toEqual([]); // it is there, in the store's database
    expect(await inCatalog(email)).toEqual([]);
    expect(await inCatalog('Matrix Person')).toEqual([]);
  });
});
