import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { whereItOccurs } from '../support/inspect';

const DASHBOARD = `{ company { gdprDashboard {
  subProcessors { subProcessor { id name purpose location inEea transferMechanism } inUse usedBy { store { id } products } }
  stores { store { id } browsingHistory purchasePreferences emailAddress orderHistory crm
           counts { visitors customersWithPreferences emailAddresses orders customersWithCrm } location { database backup } } } } }`;
const SETTINGS = 'mutation($s:ID!,$set:StoreSettingsInput!,$e:Boolean){ updateStoreSettings(storeId:$s, settings:$set, eraseCollected:$e){ settings { collectEmails trackPageViews trackClicks collectCrm products } } }';

const flags = (d: any, storeId: string) => {
  const s = d.company.gdprDashboard.stores.find((x: { store: { id: string } }) => x.store.id === storeId);
  return { browsingHistory: s.browsingHistory, purchasePreferences: s.purchasePreferences, emailAddress: s.emailAddress, orderHistory: s.orderHistory, crm: s.crm };
};
const inUse = (d: any) => Object.fromEntries(d.company.gdprDashboard.subProcessors.map((p: { subProcessor: { id: string }; inUse: boolean }) => [p.subProcessor.id, p.inUse]));

describe.each(ENGINES)('GDPR dashboard and collection settings [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Dash', 1, false);
  });
  afterAll(() => t?.close());

  it('starts with e-mail collection off and every flag false for an empty store', async () => {
    const s = a.storeIds[0];
    expect(ok(await t.gql(a.key, 'query($s:ID!){ store(id:$s){ settings { collectEmails trackPageViews trackContentViews trackClicks collectCrm products retentionMinMonths retentionMaxMonths } } }', { s })).store.settings)
      .toEqual({ collectEmails: false, trackPageViews: true, trackContentViews: true, trackClicks: true, collectCrm: true, products: ['recommendations', 'search'], retentionMinMonths: 1, retentionMaxMonths: 12 });
    const d = ok(await t.gql(a.key, DASHBOARD));
    expect(flags(d, s)).toEqual({ browsingHistory: false, purchasePreferences: false, emailAddress: false, orderHistory: false, crm: false });
    expect(inUse(d)).toEqual({ 'audience-sync': false, backup: true, 'email-delivery': false, hosting: true, 'support-chat': false });
  });

  it('never stores an e-mail through any ingestion path while collection is off', async () => {
    const s = a.storeIds[0];
    expect(ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'd1', email: 'd1@example.com' }] })).upsertCustomers).toEqual({ accepted: 1, suppressed: 0, emailsDropped: 1 });
    expect(ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'dv1', email: 'd1@example.com', type: 'PAGE_VIEW' }] })).trackEvents).toEqual({ accepted: 1, suppressed: 0, emailsDropped: 1 });
    expect(ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'do1', email: 'd1@example.com', currency: 'EUR', lines: [] }] })).upsertOrders).toEqual({ accepted: 1, suppressed: 0, emailsDropped: 1 });
    expect(await whereItOccurs(t, 'd1@example.com')).toEqual([]);
    const d = ok(await t.gql(a.key, DASHBOARD));
    expect(flags(d, s)).toEqual({ browsingHistory: true, purchasePreferences: false, emailAddress: false, orderHistory: true, crm: false });
  });

  it('flips each flag as the matching data arrives', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, SETTINGS, { s, set: { collectEmails: true } }));
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'd2', email: 'd2@example.com', city: 'Skive' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'do2', customerId: 'd2', currency: 'EUR', lines: [{ productId: 'x', quantity: 1, unitPrice: 2 }] }] }));
    const d = ok(await t.gql(a.key, DASHBOARD));
    expect(flags(d, s)).toEqual({ browsingHistory: true, purchasePreferences: true, emailAddress: true, orderHistory: true, crm: true });
    expect(d.company.gdprDashboard.stores[0].counts).toEqual({ visitors: 1, customersWithPreferences: 1, emailAddresses: 1, orders: 2, customersWithCrm: 1 });
  });

  it('erases the e-mails already held when collection is switched off with eraseCollected', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [{ visitorId: 'dv2', email: 'd3@example.com', type: 'PAGE_VIEW' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'do3', email: 'd4@example.com', currency: 'EUR', lines: [] }] }));
    expect((await whereItOccurs(t, 'd2@example.com')).length).toBeGreaterThan(0);
    const r = ok(await t.gql(a.key, SETTINGS, { s, set: { collectEmails: false }, e: true }));
    expect(r.updateStoreSettings.settings.collectEmails).toBe(false);
    for (const email of ['d2@example.com', 'd3@example.com', 'd4@example.com']) expect(await whereItOccurs(t, email)).toEqual([]);
    expect(flags(ok(await t.gql(a.key, DASHBOARD)), s).emailAddress).toBe(false);
    const entries = ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s){ edges { node { operation records } } } }', { s })).auditLog.edges.map((e: { node: unknown }) => e.node);
    expect(entries).toContainEqual({ operation: 'updateStoreSettings.eraseCollected', records: 3 });
  });

  it('refuses eraseCollected while e-mail collection stays on, changing nothing', async () => {
    const s = a.storeIds[0];
    const r = await t.gql(a.key, SETTINGS, { s, set: { collectEmails: true, trackClicks: false }, e: true });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(ok(await t.gql(a.key, 'query($s:ID!){ store(id:$s){ settings { collectEmails trackClicks } } }', { s })).store.settings).toEqual({ collectEmails: false, trackClicks: true });
  });

  it('drops the kinds of tracking and CRM data the store switched off', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, SETTINGS, { s, set: { trackClicks: false, collectCrm: false } }));
    const ev = ok(await t.gql(a.key, 'mutation($s:ID!,$e:[EventInput!]!){ trackEvents(storeId:$s, events:$e){ accepted droppedBySettings } }', { s, e: [{ visitorId: 'dv3', type: 'CLICK', productId: 'p' }, { visitorId: 'dv3', type: 'PAGE_VIEW' }] }));
    expect(ev.trackEvents).toEqual({ accepted: 1, droppedBySettings: 1 });
    const cu = ok(await t.gql(a.key, 'mutation($s:ID!,$c:[CustomerInput!]!){ upsertCustomers(storeId:$s, customers:$c){ accepted droppedBySettings } }', { s, c: [{ id: 'd5', name: 'Dora', city: 'Ry' }] }));
    expect(cu.upsertCustomers).toEqual({ accepted: 1, droppedBySettings: 1 });
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customer(storeId:$s, idOrEmail:"d5"){ name crm { city } } }', { s })).customer).toEqual({ name: null, crm: { city: null, } });
    const log = ok(await t.gql(a.key, 'query($s:ID!){ visitor(storeId:$s, id:"dv3"){ log { edges { node { type } } } } }', { s }));
    expect(log.visitor.log.edges).toEqual([{ node: { type: 'PAGE_VIEW' } }]);
  });

  it('marks sub-processors in use as soon as a store takes up a product that needs them', async () => {
    const s = a.storeIds[0];
    ok(await t.gql(a.key, SETTINGS, { s, set: { products: ['recommendations', 'email'] } }));
    const d = ok(await t.gql(a.key, DASHBOARD));
    expect(inUse(d)).toEqual({ 'audience-sync': false, backup: true, 'email-delivery': true, hosting: true, 'support-chat': false });
    const email = d.company.gdprDashboard.subProcessors.find((p: { subProcessor: { id: string } }) => p.subProcessor.id === 'email-delivery');
    expect(email.usedBy).toEqual([{ store: { id: s }, products: ['email'] }]);
    expect(ok(await t.gql(a.key, '{ subProcessors { id name purpose location } }')).subProcessors).toHaveLength(5);
    const bad = await t.gql(a.key, SETTINGS, { s, set: { products: ['teleportation'] } });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers for 20 stores in a bounded number of statements per store', async () => {
    const big = await createTenant(t, 'Twenty', 20, true);
    for (const s of big.storeIds.slice(0, 3)) ok(await t.gql(big.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'x', email: 'x@example.com' }] }));
    await t.gql(big.key, DASHBOARD); // opens every store once
    t.gateway.services.observer.reset();
    const d = ok(await t.gql(big.key, DASHBOARD));
    expect(d.company.gdprDashboard.stores).toHaveLength(20);
    expect(t.gateway.services.observer.total((db) => db.startsWith('store:'))).toBe(20);
    expect(t.gateway.services.observer.total((db) => db === 'catalog')).toBeLessThanOrEqual(5);
  });
});
