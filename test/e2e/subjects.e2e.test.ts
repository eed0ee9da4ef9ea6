import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { whereItOccurs } from '../support/inspect';
import { backupStore } from '../support/backup';
import type { AuditRecord } from '../../src/services/audit/audit.service';

/** One subject model: every identifier, every link, `found`, the ledger by ID and by filter. */

const REQUEST_FIELDS = 'id store { id } status found reference receipt customersDeleted ordersAnonymized visitorsDeleted eventsDeleted alreadyForgotten';
/** A compact JWS (header.payload.signature, base64url): receipts of COMPLETED requests (their content is tested in receipts.e2e.test.ts). */
const JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const FORGET = `mutation($q:String,$v:ID,$s:ID,$d:Boolean,$r:String){ forgetCustomer(idOrEmail:$q, visitorId:$v, storeId:$s, dryRun:$d, reference:$r){ requests { ${REQUEST_FIELDS} } } }`;
const REPORT = `query($q:String,$v:ID,$s:ID){ privacyReport(idOrEmail:$q, visitorId:$v, storeId:$s){ stores {
  customers { id email } orders { id } visitors { id } events { type url } } } }`;
const PROFILE = `query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id email
  orders(first: 50){ totalCount edges { node { id } } } visitors { id } } }`;
const ORDERS = 'query($s:ID!){ orders(storeId:$s, first: 100){ edges { node { id email customer { id } anonymized } } } }';

const ANNA_ID = 'Anna.ID@Shop.dk';
const KELVIN = '\u212Aim@example.dk'; // KELVIN SIGN, not the letter K

const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

describe.each(ENGINES)('one subject model [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let other: Tenant;
  let s: string;

  const orderById = async (id: string) => ok(await t.gql(a.key, ORDERS, { s })).orders.edges.map((e: { node: { id: string } }) => e.node).find((n: { id: string }) => n.id === id);

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Subjects');
    other = await createTenant(t, 'Other');
    s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [
      // A shop that uses e-mail-like customer IDs: the ID is not the e-mail.
      { id: ANNA_ID, email: 'anna.private@example.dk', city: 'Vejle' },
      { id: 'cust-bo', email: 'bo@example.dk' },
      { id: 'cust-kim', email: 'kim@example.dk' },
      { id: 'cust-kelvin', email: KELVIN },
      { id: 'cust-lis', email: 'lis@example.dk' },
    ] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      { visitorId: 'vis-anna', customerId: ANNA_ID, type: 'PAGE_VIEW', url: 'https://shop/anna', occurredAt: '2026-03-01T10:00:00.000Z' },
      { visitorId: 'vis-bo', customerId: 'cust-bo', type: 'PAGE_VIEW', url: 'https://shop/bo', occurredAt: '2026-03-01T10:00:00.000Z' },
      // An anonymous shopper: a visitor ID, no customer, no e-mail.
      { visitorId: 'vis-anon', type: 'PAGE_VIEW', url: 'https://shop/anon/1', occurredAt: '2026-03-02T10:00:00.000Z' },
      { visitorId: 'vis-anon', type: 'CLICK', url: 'https://shop/anon/2', occurredAt: '2026-03-02T10:01:00.000Z' },
      // Lis: one visitor tied by e-mail only, one tied only as the visitor on her order.
      { visitorId: 'vis-lis-mail', email: 'lis@example.dk', type: 'PAGE_VIEW', url: 'https://shop/lis/1', occurredAt: '2026-03-03T10:00:00.000Z' },
      { visitorId: 'vis-lis-order', type: 'PAGE_VIEW', url: 'https://shop/lis/2', occurredAt: '2026-03-03T11:00:00.000Z' },
    ] }));
    const line = [{ productId: 'p1', quantity: 1, unitPrice: 10 }];
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: 'ord-anna', customerId: ANNA_ID, visitorId: 'vis-anna', createdAt: '2026-03-01T11:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-bo', customerId: 'cust-bo', createdAt: '2026-03-01T11:00:00.000Z', currency: 'DKK', lines: line },
      // Linked to Bo only by his visitor ID: no customer ID, no e-mail.
      { id: 'ord-bo-visitor', visitorId: 'vis-bo', createdAt: '2026-03-01T12:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-anon', visitorId: 'vis-anon', createdAt: '2026-03-02T11:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-lis', customerId: 'cust-lis', visitorId: 'vis-lis-order', createdAt: '2026-03-03T12:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-lis-guest', email: 'lis@example.dk', createdAt: '2026-03-03T13:00:00.000Z', currency: 'DKK', lines: line },
      // Placed from the visitor found through her order: hers too.
      { id: 'ord-lis-visitor', visitorId: 'vis-lis-order', createdAt: '2026-03-03T14:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-kim', customerId: 'cust-kim', email: 'kim@example.dk', createdAt: '2026-03-04T11:00:00.000Z', currency: 'DKK', lines: line },
    ] }));
  });
  afterAll(() => t?.close());

  it('refuses neither and both of idOrEmail and visitorId, naming the arguments', async () => {
    for (const vars of [{}, { q: 'a@example.dk', v: 'vis-anon' }]) {
      for (const q of [FORGET, REPORT]) {
        const r = await t.gql(a.key, q, { ...vars, s });
        expect(codes(r)).toEqual(['BAD_USER_INPUT']);
        expect(r.errors![0].message).toBe('Name the person by exactly one of `idOrEmail` or `visitorId`');
      }
    }
    expect(codes(await t.gql(a.key, FORGET, { v: 'v'.repeat(129), s }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(a.key, FORGET, { v: 'two words', s }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(other.key, FORGET, { v: 'vis-anon', s }))).toEqual(['NOT_FOUND']);
  });

  it('shows the same orders and visitors on the profile as in the report (guest order by e-mail, visitor linked by an order)', async () => {
    const profile = ok(await t.gql(a.key, PROFILE, { s, q: 'cust-lis' })).customer;
    const [report] = ok(await t.gql(a.key, REPORT, { q: 'cust-lis', s })).privacyReport.stores;
    expect(ids(report.orders)).toEqual(['ord-lis', 'ord-lis-guest', 'ord-lis-visitor']);
    expect(ids(report.visitors)).toEqual(['vis-lis-mail', 'vis-lis-order']);
    expect(profile).toEqual({
      id: 'cust-lis',
      email: 'lis@example.dk',
      orders: { totalCount: 3, edges: [{ node: { id: 'ord-lis-visitor' } }, { node: { id: 'ord-lis-guest' } }, { node: { id: 'ord-lis' } }] },
      visitors: [{ id: 'vis-lis-order' }, { id: 'vis-lis-mail' }],
    });
    // Paging through the same list: one at a time, newest first, no order twice.
    const page1 = ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"cust-lis"){ orders(first:2){ edges { node { id } } pageInfo { hasNextPage endCursor } } } }', { s })).customer.orders;
    expect(page1.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['ord-lis-visitor', 'ord-lis-guest']);
    const page2 = ok(await t.gql(a.key, 'query($s:ID!,$c:String){ customer(storeId:$s, idOrEmail:"cust-lis"){ orders(first:2, after:$c){ edges { node { id } } pageInfo { hasNextPage } } } }', { s, c: page1.pageInfo.endCursor })).customer.orders;
    expect(page2).toEqual({ edges: [{ node: { id: 'ord-lis' } }], pageInfo: { hasNextPage: false } });
  });

  it('reports, forgets and suppresses a customer whose ID contains @', async () => {
    expect(ok(await t.gql(a.key, PROFILE, { s, q: ` ${ANNA_ID} ` })).customer).toEqual({
      id: ANNA_ID, email: 'anna.private@example.dk', orders: { totalCount: 1, edges: [{ node: { id: 'ord-anna' } }] }, visitors: [{ id: 'vis-anna' }],
    });
    const [report] = ok(await t.gql(a.key, REPORT, { q: ANNA_ID, s })).privacyReport.stores;
    expect(report).toEqual({
      customers: [{ id: ANNA_ID, email: 'anna.private@example.dk' }],
      orders: [{ id: 'ord-anna' }],
      visitors: [{ id: 'vis-anna' }],
      events: [{ type: 'PAGE_VIEW', url: 'https://shop/anna' }],
    });
    const [req] = ok(await t.gql(a.key, FORGET, { q: ANNA_ID, s })).forgetCustomer.requests;
    expect(req).toEqual({
      id: expect.any(String), store: { id: s }, status: 'COMPLETED', found: true, reference: null, receipt: expect.stringMatching(JWS),
      customersDeleted: 1, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 1, alreadyForgotten: false,
    });
    expect(ok(await t.gql(a.key, PROFILE, { s, q: ANNA_ID })).customer).toBeNull();
    expect(await orderById('ord-anna')).toEqual({ id: 'ord-anna', email: null, customer: null, anonymized: true });
    // Re-synced under the same ID (and under the e-mail found with it): suppressed.
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: ANNA_ID, city: 'Vejle' }, { id: 'anna-2', email: 'Anna.Private@example.dk' }] })).upsertCustomers)
      .toEqual({ accepted: 0, suppressed: 2, emailsDropped: 0 });
    expect(ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'new-vis', customerId: ANNA_ID, type: 'PAGE_VIEW' }] })).trackEvents).toEqual({ accepted: 0, suppressed: 1, emailsDropped: 0 });
    expect(await whereItOccurs(t, ANNA_ID)).toEqual([]);
    expect(await whereItOccurs(t, 'anna.private@example.dk')).toEqual([]);
  });

  it('reports and anonymizes an order linked to the person only by their visitor ID', async () => {
    const [report] = ok(await t.gql(a.key, REPORT, { q: 'cust-bo', s })).privacyReport.stores;
    expect(ids(report.orders)).toEqual(['ord-bo', 'ord-bo-visitor']);
    const [dry] = ok(await t.gql(a.key, FORGET, { q: 'cust-bo', s, d: true })).forgetCustomer.requests;
    expect(dry).toEqual(expect.objectContaining({ status: 'DRY_RUN', found: true, customersDeleted: 1, ordersAnonymized: 2, visitorsDeleted: 1, eventsDeleted: 1 }));
    const [req] = ok(await t.gql(a.key, FORGET, { q: 'cust-bo', s })).forgetCustomer.requests;
    expect(req).toEqual(expect.objectContaining({ status: 'COMPLETED', found: true, customersDeleted: 1, ordersAnonymized: 2, visitorsDeleted: 1, eventsDeleted: 1 }));
    expect(await orderById('ord-bo-visitor')).toEqual({ id: 'ord-bo-visitor', email: null, customer: null, anonymized: true });
  });

  it('reports and forgets an anonymous shopper by visitor ID, and suppresses them', async () => {
    const [report] = ok(await t.gql(a.key, REPORT, { v: 'vis-anon', s })).privacyReport.stores;
    expect(report).toEqual({
      customers: [],
      orders: [{ id: 'ord-anon' }],
      visitors: [{ id: 'vis-anon' }],
      events: [{ type: 'PAGE_VIEW', url: 'https://shop/anon/1' }, { type: 'CLICK', url: 'https://shop/anon/2' }],
    });
    const [req] = ok(await t.gql(a.key, FORGET, { v: ' vis-anon ', s, r: 'TICKET-4711' })).forgetCustomer.requests;
    expect(req).toEqual({
      id: expect.any(String), store: { id: s }, status: 'COMPLETED', found: true, reference: 'TICKET-4711', receipt: expect.stringMatching(JWS),
      customersDeleted: 0, ordersAnonymized: 1, visitorsDeleted: 1, eventsDeleted: 2, alreadyForgotten: false,
    });
    expect(ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"vis-anon"){ id } }', { s })).visitor).toBeNull();
    expect(await orderById('ord-anon')).toEqual({ id: 'ord-anon', email: null, customer: null, anonymized: true });
    expect(ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'vis-anon', type: 'PAGE_VIEW', url: 'https://shop/back' }] })).trackEvents)
      .toEqual({ accepted: 0, suppressed: 1, emailsDropped: 0 });
    const [again] = ok(await t.gql(a.key, FORGET, { v: 'vis-anon', s })).forgetCustomer.requests;
    expect(again).toEqual(expect.objectContaining({ status: 'COMPLETED', found: false, alreadyForgotten: true, eventsDeleted: 0 }));
  });

  it('says found: false for a typo, and still suppresses the value given', async () => {
    const [req] = ok(await t.gql(a.key, FORGET, { q: 'lis@exmaple.dk', s })).forgetCustomer.requests;
    expect(req).toEqual({
      id: expect.any(String), store: { id: s }, status: 'COMPLETED', found: false, reference: null, receipt: expect.stringMatching(JWS),
      customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: false,
    });
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'typo-person', email: 'LIS@exmaple.dk' }] })).upsertCustomers).toEqual({ accepted: 0, suppressed: 1, emailsDropped: 0 });
    // Lis herself is untouched.
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'lis@example.dk' })).customer.id).toBe('cust-lis');
  });

  it('keeps an address spelled with the Kelvin sign distinct from the one with K, end to end', async () => {
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'KIM@example.dk' })).customer.id).toBe('cust-kim');
    expect(ok(await t.gql(a.key, PROFILE, { s, q: KELVIN })).customer).toEqual({ id: 'cust-kelvin', email: KELVIN, orders: { totalCount: 0, edges: [] }, visitors: [] });
    const [report] = ok(await t.gql(a.key, REPORT, { q: KELVIN, s })).privacyReport.stores;
    expect(report.customers).toEqual([{ id: 'cust-kelvin', email: KELVIN }]);
    const [req] = ok(await t.gql(a.key, FORGET, { q: KELVIN, s })).forgetCustomer.requests;
    expect(req).toEqual(expect.objectContaining({ status: 'COMPLETED', found: true, customersDeleted: 1, ordersAnonymized: 0 }));
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'kim@example.dk' })).customer).toEqual({
      id: 'cust-kim', email: 'kim@example.dk', orders: { totalCount: 1, edges: [{ node: { id: 'ord-kim' } }] }, visitors: [],
    });
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'kim-2', email: 'kim@example.dk' }] })).upsertCustomers).toEqual({ accepted: 1, suppressed: 0, emailsDropped: 0 });
  });

  it('refuses a reference that is too long, has control characters or holds an e-mail address, naming `reference`', async () => {
    for (const r of ['x'.repeat(129), 'T-1\nT-2', 'ticket for pia@example.com']) {
      const res = await t.gql(a.key, FORGET, { q: 'cust-kim', s, r });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].message).toMatch(/^`reference` /);
      expect(res.errors![0].message).not.toContain('pia');
    }
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'cust-kim' })).customer.id).toBe('cust-kim');
  });

  it('answers forgetRequest(id) for its own company and NOT_FOUND for any other or a made-up one', async () => {
    const [req] = ok(await t.gql(a.key, FORGET, { q: 'nobody@example.dk', s, r: 'CASE-1' })).forgetCustomer.requests;
    const q = `query($id:ID!){ forgetRequest(id:$id){ ${REQUEST_FIELDS} } }`;
    expect(ok(await t.gql(a.key, q, { id: req.id })).forgetRequest).toEqual(req);
    expect(req).toEqual(expect.objectContaining({ found: false, reference: 'CASE-1', receipt: expect.stringMatching(JWS) }));
    for (const [key, id] of [[other.key, req.id], [a.key, '00000000-0000-0000-0000-000000000000'], [a.key, 'x'.repeat(300)]]) {
      const r = await t.gql(key, q, { id });
      expect(codes(r)).toEqual(['NOT_FOUND']);
      expect(r.errors![0].message).toBe('Forget request not found');
    }
  });

  it('filters the ledger by status and by time (from inclusive, to exclusive), with totalCount', async () => {
    const list = async (vars: Record<string, unknown>) =>
      ok(await t.gql(a.key, `query($st:ForgetStatus,$f:DateTime,$to:DateTime,$n:Int){ forgetRequests(storeId:"${s}", status:$st, from:$f, to:$to, first:$n){
        totalCount edges { node { id status requestedAt reference } } pageInfo { hasNextPage } } }`, vars)).forgetRequests;
    const all = await list({ n: 100 });
    // Anna, Bo, the anonymous shopper twice, the typo, Kelvin, nobody: seven in the ledger (dry runs are not).
    expect(all.totalCount).toBe(7);
    expect(all.edges).toHaveLength(7);
    expect((await list({ st: 'COMPLETED' })).totalCount).toBe(7);
    expect(await list({ st: 'FAILED' })).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
    const newest = all.edges[0].node;
    const oldest = all.edges[6].node;
    expect(newest.reference).toBe('CASE-1');
    const fromNewest = await list({ f: newest.requestedAt });
    expect(fromNewest.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([newest.id]);
    expect(fromNewest.totalCount).toBe(1);
    const toOldest = await list({ to: oldest.requestedAt });
    expect(toOldest.totalCount).toBe(0);
    const window = await list({ f: oldest.requestedAt, to: newest.requestedAt, n: 2 });
    expect(window.totalCount).toBe(6);
    expect(window.edges).toHaveLength(2);
    expect(window.pageInfo.hasNextPage).toBe(true);
    expect(codes(await t.gql(a.key, 'query{ forgetRequests(from:"2026-02-01T00:00:00Z", to:"2026-01-01T00:00:00Z"){ totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(ok(await t.gql(other.key, 'query{ forgetRequests{ totalCount } }')).forgetRequests.totalCount).toBe(0);
  });
});

describe.each(ENGINES)('one subject model: replay and audit [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Replayed');
    s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'cust-eva', email: 'eva@example.dk' }, { id: 'cust-ib', email: 'ib@example.dk' }, { id: 'cust-ulla', email: 'ulla@example.dk' }] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      { visitorId: 'vis-eva', customerId: 'cust-eva', type: 'PAGE_VIEW', url: 'https://shop/eva' },
      { visitorId: 'vis-anon', type: 'PAGE_VIEW', url: 'https://shop/anon' },
      { visitorId: 'vis-ib', customerId: 'cust-ib', type: 'PAGE_VIEW', url: 'https://shop/ib' },
    ] }));
    const line = [{ productId: 'p1', quantity: 1, unitPrice: 10 }];
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: 'ord-eva', customerId: 'cust-eva', createdAt: '2026-03-01T11:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-eva-visitor', visitorId: 'vis-eva', createdAt: '2026-03-01T12:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-anon', visitorId: 'vis-anon', createdAt: '2026-03-02T11:00:00.000Z', currency: 'DKK', lines: line },
      { id: 'ord-ib', customerId: 'cust-ib', visitorId: 'vis-ib', createdAt: '2026-03-03T11:00:00.000Z', currency: 'DKK', lines: line },
    ] }));
  });
  afterAll(() => t?.close());

  it('names the person in forget, dry-run and report audit records by every identifier found', async () => {
    const audit = t.gateway.services.audit;
    const recorded: AuditRecord[] = [];
    const original = audit.record.bind(audit);
    const spy = jest.spyOn(audit, 'record').mockImplementation(async (ctx, entries) => {
      recorded.push(...entries);
      return original(ctx, entries);
    });
    try {
      ok(await t.gql(a.key, REPORT, { q: 'EVA@example.dk', s }));
      ok(await t.gql(a.key, FORGET, { q: 'cust-ib', s, d: true }));
      ok(await t.gql(a.key, FORGET, { q: 'cust-ulla', s }));
    } finally {
      spy.mockRestore();
    }
    const byOp = Object.fromEntries(recorded.filter((r) => r.subjects).map((r) => [r.operation, r.subjects]));
    expect(byOp).toEqual({
      privacyReport: { emails: ['eva@example.dk'], customerIds: ['EVA@example.dk', 'cust-eva'], visitorIds: ['vis-eva'] },
      'forgetCustomer.dryRun': { emails: ['ib@example.dk'], customerIds: ['cust-ib'], visitorIds: ['vis-ib'] },
      forgetCustomer: { emails: ['ulla@example.dk'], customerIds: ['cust-ulla'], visitorIds: [] },
    });
  });

  it('forgets visitor-linked orders and anonymous shoppers again in a restored copy of the store', async () => {
    const backup = await backupStore(t, s);
    await new Promise((r) => setTimeout(r, 5)); // the audit test's forget is older than the backup
    const since = new Date().toISOString();
    ok(await t.gql(a.key, FORGET, { q: 'eva@example.dk', s }));
    ok(await t.gql(a.key, FORGET, { v: 'vis-anon', s }));
    await backup.restore();
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'cust-eva' })).customer.orders.totalCount).toBe(2);

    const r = ok(await t.gql(a.key, 'mutation($since:DateTime!){ replayForgetRequests(since:$since){ replayed customersDeleted ordersAnonymized visitorsDeleted eventsDeleted } }', { since }));
    expect(r.replayForgetRequests).toEqual({ replayed: 2, customersDeleted: 1, ordersAnonymized: 3, visitorsDeleted: 2, eventsDeleted: 2 });
    const orders = ok(await t.gql(a.key, ORDERS, { s })).orders.edges.map((e: { node: { id: string; anonymized: boolean } }) => [e.node.id, e.node.anonymized]);
    expect(Object.fromEntries(orders)).toEqual({ 'ord-eva': true, 'ord-eva-visitor': true, 'ord-anon': true, 'ord-ib': false });
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'cust-ib' })).customer.visitors).toEqual([{ id: 'vis-ib' }]);
  });
});

describe.each(ENGINES)('one subject model: a person with many identifiers [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;
  const VISITORS = 1200; // more than one statement's chunk (500) and one profile statement's pairs (400)
  const visitor = (i: number) => `vm-${String(i).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Many');
    s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'cust-many', email: 'many@example.dk' }, { id: 'cust-one', email: 'one@example.dk' }] }));
    for (let from = 0; from < VISITORS; from += 600) {
      const e = Array.from({ length: 600 }, (_, k) => ({ visitorId: visitor(from + k), customerId: 'cust-many', type: 'PAGE_VIEW', occurredAt: '2026-03-01T10:00:00.000Z' }));
      ok(await t.gql(a.key, TRACK_EVENTS, { s, e }));
    }
    // Orders tied to the person only through one of their visitors, the last 600 of them.
    const o = Array.from({ length: 600 }, (_, k) => ({
      id: `om-${String(k).padStart(4, '0')}`, visitorId: visitor(VISITORS - 600 + k), createdAt: new Date(Date.UTC(2026, 2, 2, 0, k)).toISOString(), currency: 'DKK', lines: [],
    }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [...o, { id: 'o-one', customerId: 'cust-one', createdAt: '2026-03-01T00:00:00.000Z', currency: 'DKK', lines: [] }] }));
  });
  afterAll(() => t?.close());

  it('pages the profile, counts in a page of customers, reports and forgets them all', async () => {
    const profile = ok(await t.gql(a.key, `query($s:ID!){ customer(storeId:$s, idOrEmail:"cust-many"){
      orders(first: 2){ totalCount edges { node { id } } pageInfo { hasNextPage } } visitors { id } } }`, { s })).customer;
    expect(profile.orders).toEqual({ totalCount: 600, edges: [{ node: { id: 'om-0599' } }, { node: { id: 'om-0598' } }], pageInfo: { hasNextPage: true } });
    expect(profile.visitors).toHaveLength(VISITORS);
    const page = ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s){ edges { node { id orders(first: 1){ totalCount edges { node { id } } } } } } }', { s })).customers;
    expect(page.edges).toEqual([
      { node: { id: 'cust-many', orders: { totalCount: 600, edges: [{ node: { id: 'om-0599' } }] } } },
      { node: { id: 'cust-one', orders: { totalCount: 1, edges: [{ node: { id: 'o-one' } }] } } },
    ]);
    const [report] = ok(await t.gql(a.key, REPORT, { q: 'many@example.dk', s })).privacyReport.stores;
    expect([report.customers.length, report.orders.length, report.visitors.length, report.events.length]).toEqual([1, 600, VISITORS, VISITORS]);
    const [req] = ok(await t.gql(a.key, FORGET, { q: 'many@example.dk', s })).forgetCustomer.requests;
    expect(req).toEqual(expect.objectContaining({ status: 'COMPLETED', found: true, customersDeleted: 1, ordersAnonymized: 600, visitorsDeleted: VISITORS, eventsDeleted: VISITORS }));
    expect(ok(await t.gql(a.key, PROFILE, { s, q: 'cust-one' })).customer.orders).toEqual({ totalCount: 1, edges: [{ node: { id: 'o-one' } }] });
  });
});
