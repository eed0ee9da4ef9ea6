import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { failDeletes } from '../support/faults';
import { whereItOccurs } from '../support/inspect';
import { backupStore } from '../support/backup';

const PIA = 'pia.madsen@example.com';
const PIA_ID = 'cust-pia-77810';
const DAY = 86_400_000;

const FORGET = `mutation($q:String!,$s:ID,$d:Boolean){ forgetCustomer(idOrEmail:$q, storeId:$s, dryRun:$d){ requests {
  id store { id } status requestedAt completedAt backupsClearBy customersDeleted ordersAnonymized visitorsDeleted eventsDeleted alreadyForgotten failure } } }`;
const LOOKUP = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }';
const COUNTS = 'query($s:ID!){ customers(storeId:$s){ totalCount } orders(storeId:$s){ totalCount } }';

/** Pia in store 1 (customer, two visitors, logged and guest orders) and store 2; Ole beside her. */
async function seedPeople(t: TestGateway, a: Tenant): Promise<void> {
  const [s1, s2] = a.storeIds;
  ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s1, c: [
    { id: PIA_ID, email: PIA, name: 'Pia Madsen', age: 34, gender: 'female', city: 'Vejle', attributes: { tier: 'gold' } },
    { id: 'cust-ole', email: 'ole@example.com', name: 'Ole Berg' },
  ] }));
  ok(await t.gql(a.key, TRACK_EVENTS, { s: s1, e: [
    { visitorId: 'vis-pia-1', customerId: PIA_ID, type: 'PAGE_VIEW', url: 'https://shop/p/1', productId: 'p1', occurredAt: '2026-02-01T10:00:00.000Z' },
    { visitorId: 'vis-pia-1', customerId: PIA_ID, type: 'CLICK', url: 'https://shop/p/2', productId: 'p2', occurredAt: '2026-02-01T10:01:00.000Z' },
    { visitorId: 'vis-pia-2', type: 'PAGE_VIEW', url: 'https://shop/p/3', occurredAt: '2026-02-02T10:00:00.000Z' },
    { visitorId: 'vis-ole', customerId: 'cust-ole', type: 'PAGE_VIEW', url: 'https://shop/p/1', occurredAt: '2026-02-03T10:00:00.000Z' },
  ] }));
  ok(await t.gql(a.key, UPSERT_ORDERS, { s: s1, o: [
    { id: 'ord-pia-1', customerId: PIA_ID, email: PIA, visitorId: 'vis-pia-1', createdAt: '2026-02-01T11:00:00.000Z', currency: 'DKK', lines: [{ productId: 'p2', quantity: 2, unitPrice: 150 }] },
    // A guest order: only the e-mail ties it (and its visitor) to Pia.
    { id: 'ord-pia-guest', email: PIA, visitorId: 'vis-pia-2', createdAt: '2026-02-02T11:00:00.000Z', currency: 'DKK', lines: [{ productId: 'p3', quantity: 1, unitPrice: 99.95 }] },
    { id: 'ord-ole', customerId: 'cust-ole', email: 'ole@example.com', visitorId: 'vis-ole', createdAt: '2026-02-03T11:00:00.000Z', currency: 'DKK', lines: [{ productId: 'p1', quantity: 1, unitPrice: 10 }] },
  ] }));
  ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s2, c: [{ id: 'se-pia', email: PIA, city: 'Malmö' }] }));
}

describe.each(ENGINES)('privacy operations [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Privacy', 2);
    other = await createTenant(t, 'Elsewhere');
    await seedPeople(t, a);
  });
  afterAll(() => t?.close());

  it('reports everything held about a person in every store the key reaches', async () => {
    const d = ok(await t.gql(a.key, `query($q:String!){ privacyReport(idOrEmail:$q){ generatedAt stores {
      store { id } customer { id email crm { city } } orders { id } visitors { id } events { type url occurredAt } dataCategories } json } }`, { q: PIA.toUpperCase() }));
    const [r1, r2] = d.privacyReport.stores;
    expect(r1).toEqual({
      store: { id: a.storeIds[0] },
      customer: { id: PIA_ID, email: PIA, crm: { city: 'Vejle' } },
      orders: [{ id: 'ord-pia-1' }, { id: 'ord-pia-guest' }],
      visitors: expect.arrayContaining([{ id: 'vis-pia-1' }, { id: 'vis-pia-2' }]),
      events: [
        { type: 'PAGE_VIEW', url: 'https://shop/p/1', occurredAt: '2026-02-01T10:00:00.000Z' },
        { type: 'CLICK', url: 'https://shop/p/2', occurredAt: '2026-02-01T10:01:00.000Z' },
        { type: 'PAGE_VIEW', url: 'https://shop/p/3', occurredAt: '2026-02-02T10:00:00.000Z' },
      ],
      dataCategories: ['emailAddress', 'crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'],
    });
    expect(r1.visitors).toHaveLength(2);
    expect(r2).toEqual({ store: { id: a.storeIds[1] }, customer: { id: 'se-pia', email: PIA, crm: { city: 'Malmö' } }, orders: [], visitors: [], events: [], dataCategories: ['emailAddress', 'crm'] });
    const doc = d.privacyReport.json;
    expect(doc.format).toBe('privacy-gateway/data-access-report@2');
    expect(doc.stores[0].orders[1]).toEqual({ id: 'ord-pia-guest', createdAt: '2026-02-02T11:00:00.000Z', email: PIA, customerId: null, visitorId: 'vis-pia-2', currency: 'DKK', total: 99.95, lines: [{ productId: 'p3', quantity: 1, unitPrice: 99.95 }] });
    expect(JSON.stringify(doc)).not.toContain('ole@example.com');
  });

  it('gives an empty report, not an error, for a person found nowhere', async () => {
    const d = ok(await t.gql(a.key, 'query{ privacyReport(idOrEmail:"nobody@example.com"){ stores { customer { id } orders { id } visitors { id } events { type } dataCategories } } }'));
    expect(d.privacyReport.stores).toEqual([
      { customer: null, orders: [], visitors: [], events: [], dataCategories: [] },
      { customer: null, orders: [], visitors: [], events: [], dataCategories: [] },
    ]);
  });

  it('refuses the report to a key without PERSONAL_DATA_READ', async () => {
    const analyst = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    expect(codes(await t.gql(analyst, 'query{ privacyReport(idOrEmail:"x@example.com"){ generatedAt } }'))).toEqual(['FORBIDDEN']);
  });

  it('counts in a dry run what a forget would erase, and changes nothing', async () => {
    const d = ok(await t.gql(a.key, FORGET, { q: PIA, s: a.storeIds[0], d: true }));
    expect(d.forgetCustomer.requests).toEqual([expect.objectContaining({
      store: { id: a.storeIds[0] }, status: 'DRY_RUN', completedAt: null,
      customersDeleted: 1, ordersAnonymized: 2, visitorsDeleted: 2, eventsDeleted: 3, alreadyForgotten: false,
    })]);
    expect(ok(await t.gql(a.key, LOOKUP, { s: a.storeIds[0], q: PIA })).customer).toEqual({ id: PIA_ID });
    expect(ok(await t.gql(a.key, 'query{ forgetRequests { edges { node { id } } } }')).forgetRequests.edges).toEqual([]);
  });

  it('rejects empty, over-long and malformed subjects', async () => {
    for (const q of ['', '  ', `${'a'.repeat(250)}@example.com`, 'pia madsen', 'pia\u0000@example.com']) {
      expect(codes(await t.gql(a.key, FORGET, { q }))).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('answers another company\'s store as one that does not exist, and touches nothing there', async () => {
    expect(codes(await t.gql(other.key, FORGET, { q: PIA, s: a.storeIds[0] }))).toEqual(['NOT_FOUND']);
    const mine = ok(await t.gql(other.key, FORGET, { q: PIA }));
    expect(mine.forgetCustomer.requests.map((r: { store: { id: string } }) => r.store.id)).toEqual(other.storeIds);
    expect(ok(await t.gql(a.key, LOOKUP, { s: a.storeIds[0], q: PIA })).customer).toEqual({ id: PIA_ID });
  });

  it('reports a store that fails as FAILED, leaves it exactly as before, completes the others, and finishes on retry', async () => {
    const [s1, s2] = a.storeIds;
    const before = ok(await t.gql(a.key, COUNTS, { s: s1 }));
    const heal = await failDeletes(t, s1, 'customers'); // events and visitors go first: the failure is half-way
    const first = ok(await t.gql(a.key, FORGET, { q: PIA })).forgetCustomer.requests;
    expect(first.map((r: { store: { id: string }; status: string }) => [r.store.id, r.status])).toEqual([[s1, 'FAILED'], [s2, 'COMPLETED']]);
    expect(first[0].failure).toMatch(/Retry/);
    expect(first[0].failure).not.toMatch(/trigger|injected|DELETE|customers|SQL/i);
    expect(ok(await t.gql(a.key, COUNTS, { s: s1 }))).toEqual(before);
    const log = ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"vis-pia-1"){ log { edges { node { type } } } } }', { s: s1 }));
    expect(log.visitor.log.edges).toHaveLength(2);
    await heal();

    const retry = ok(await t.gql(a.key, FORGET, { q: PIA })).forgetCustomer.requests;
    const [r1, r2] = retry;
    expect(r1).toEqual(expect.objectContaining({ status: 'COMPLETED', customersDeleted: 1, ordersAnonymized: 2, visitorsDeleted: 2, eventsDeleted: 3, alreadyForgotten: false }));
    expect(r2).toEqual(expect.objectContaining({ status: 'COMPLETED', customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: true }));
    expect(new Date(r1.backupsClearBy).getTime() - new Date(r1.requestedAt).getTime()).toBe(30 * DAY);
  });

  it('keeps the orders, anonymized, with totals and lines unchanged, and the store\'s order count', async () => {
    const s = a.storeIds[0];
    const d = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s){ totalCount edges { node { id email customer { id } total currency anonymized lines { productId quantity unitPrice } } } } }', { s }));
    expect(d.orders.totalCount).toBe(3);
    const byId = Object.fromEntries(d.orders.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
    expect(byId['ord-pia-1']).toEqual({ id: 'ord-pia-1', email: null, customer: null, total: 300, currency: 'DKK', anonymized: true, lines: [{ productId: 'p2', quantity: 2, unitPrice: 150 }] });
    expect(byId['ord-pia-guest']).toEqual({ id: 'ord-pia-guest', email: null, customer: null, total: 99.95, currency: 'DKK', anonymized: true, lines: [{ productId: 'p3', quantity: 1, unitPrice: 99.95 }] });
    expect(byId['ord-ole']).toEqual(expect.objectContaining({ email: 'ole@example.com', customer: { id: 'cust-ole' }, anonymized: false }));
  });

  it('finds the person by neither e-mail nor ID afterwards, and leaves everyone else', async () => {
    const s = a.storeIds[0];
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA })).customer).toBeNull();
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA_ID })).customer).toBeNull();
    expect(ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"vis-pia-2"){ id } }', { s })).visitor).toBeNull();
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: 'ole@example.com' })).customer).toEqual({ id: 'cust-ole' });
  });

  it('changes nothing the second time and says so', async () => {
    const d = ok(await t.gql(a.key, FORGET, { q: PIA_ID, s: a.storeIds[0] }));
    expect(d.forgetCustomer.requests).toEqual([expect.objectContaining({ status: 'COMPLETED', customersDeleted: 0, ordersAnonymized: 0, visitorsDeleted: 0, eventsDeleted: 0, alreadyForgotten: true })]);
  });

  it('leaves no byte of the e-mail or the customer ID in any database file or text column', async () => {
    expect(await whereItOccurs(t, PIA)).toEqual([]);
    expect(await whereItOccurs(t, PIA_ID)).toEqual([]);
    expect(await whereItOccurs(t, 'ole@example.com')).not.toEqual([]); // the scan does find what is there
  });

  it('drops re-synced records of the forgotten person, keeping an order anonymized', async () => {
    const s = a.storeIds[0];
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: PIA_ID, name: 'Pia' }, { id: 'resync-2', email: ` ${PIA.toUpperCase()}` }, { id: 'new-person', email: 'new@example.com' }] })).upsertCustomers)
      .toEqual({ accepted: 1, suppressed: 2, emailsDropped: 0 });
    expect(ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'vis-pia-1', type: 'PAGE_VIEW' }, { visitorId: 'fresh', customerId: PIA_ID, type: 'PAGE_VIEW' }, { visitorId: 'fresh2', email: PIA, type: 'PAGE_VIEW' }] })).trackEvents)
      .toEqual({ accepted: 0, suppressed: 3, emailsDropped: 0 });
    expect(ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'ord-pia-new', customerId: PIA_ID, email: PIA, currency: 'DKK', lines: [{ productId: 'p9', quantity: 1, unitPrice: 5 }] }] })).upsertOrders)
      .toEqual({ accepted: 1, suppressed: 1, emailsDropped: 0 });
    const d = ok(await t.gql(a.key, 'query($s:ID!){ orders(storeId:$s, first:1){ edges { node { id email customer { id } total anonymized } } } }', { s }));
    expect(d.orders.edges[0].node).toEqual({ id: 'ord-pia-new', email: null, customer: null, total: 5, anonymized: true });
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA })).customer).toBeNull();
    expect(await whereItOccurs(t, PIA)).toEqual([]);
  });

  it('lists the ledger without the person\'s identity', async () => {
    const r = await t.gql(a.key, 'query{ forgetRequests(first: 50){ totalCount edges { node { id store { id } status requestedAt backupsClearBy customersDeleted alreadyForgotten } } pageInfo { hasNextPage } } }');
    const d = ok(r);
    expect(d.forgetRequests.totalCount).toBe(5); // failed + completed (s1, s2), retry (s1, s2), second forget (s1)
    expect(d.forgetRequests.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'FAILED']);
    expect(JSON.stringify(r)).not.toContain('pia');
    expect(ok(await t.gql(other.key, 'query{ forgetRequests{ totalCount } }')).forgetRequests.totalCount).toBe(1);
  });
});

describe.each(ENGINES)('replay after a backup restore [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Restored', 2);
    await seedPeople(t, a);
  });
  afterAll(() => t?.close());

  it('forgets the person again in a restored copy of the store', async () => {
    const s = a.storeIds[0];
    const backup = await backupStore(t, s);
    const since = new Date(Date.now() - 1000).toISOString();
    ok(await t.gql(a.key, FORGET, { q: PIA }));
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA })).customer).toBeNull();

    await backup.restore();
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA })).customer).toEqual({ id: PIA_ID });

    const r = ok(await t.gql(a.key, 'mutation($since:DateTime!){ replayForgetRequests(since:$since){ replayed customersDeleted ordersAnonymized visitorsDeleted eventsDeleted } }', { since }));
    expect(r.replayForgetRequests).toEqual({ replayed: 2, customersDeleted: 1, ordersAnonymized: 2, visitorsDeleted: 2, eventsDeleted: 3 });
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: PIA })).customer).toBeNull();
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: 'ole@example.com' })).customer).toEqual({ id: 'cust-ole' });
    expect(await whereItOccurs(t, PIA)).toEqual([]);

    const again = ok(await t.gql(a.key, 'mutation($since:DateTime!){ replayForgetRequests(since:$since){ replayed customersDeleted eventsDeleted } }', { since }));
    expect(again.replayForgetRequests).toEqual({ replayed: 2, customersDeleted: 0, eventsDeleted: 0 });
  });

  it('ends with the person gone and suppressed when a forget races ingestion of the same person', async () => {
    const s = a.storeIds[1];
    const racer = (i: number) => t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: `race-${i % 3}`, email: 'racer@example.com', city: 'Lund' }] });
    const events = (i: number) => t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: `race-v${i}`, customerId: `race-${i % 3}`, type: 'PAGE_VIEW' }] });
    await racer(0);
    const results = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => racer(i + 1)),
      ...Array.from({ length: 8 }, (_, i) => events(i)),
      t.gql(a.key, FORGET, { q: 'racer@example.com', s }),
      ...Array.from({ length: 8 }, (_, i) => racer(i + 9)),
    ]);
    for (const r of results) expect(r.errors).toBeUndefined();
    // Whatever got in before the forget is gone; whatever came after was suppressed.
    expect(ok(await t.gql(a.key, LOOKUP, { s, q: 'racer@example.com' })).customer).toBeNull();
    for (const id of ['race-0', 'race-1', 'race-2']) expect(ok(await t.gql(a.key, LOOKUP, { s, q: id })).customer).toBeNull();
    expect(ok(await racer(99)).upsertCustomers.suppressed).toBe(1);
  });
});
