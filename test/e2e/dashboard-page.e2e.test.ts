import { DASHBOARD_CSP, DASHBOARD_QUERY } from '../../src/http/dashboard-page';
import { failDeletes } from '../support/faults';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';

/**
 * The GDPR dashboard page's data (`DASHBOARD_QUERY`, exactly what /dashboard asks for) over
 * HTTP: whole without PERSONAL_DATA_READ, one company's only, distinct e-mail addresses, and
 * the last 30 days of forget requests and purges. The page itself: test/e2e/dashboard.browser.test.ts.
 */

const FORGET = 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { id status requestedAt backupsClearBy } } }';
const PURGE = 'mutation($s:ID){ purgeExpiredData(storeId:$s){ visitorsDeleted eventsDeleted runs { id status startedAt } } }';
const DAY = 86_400_000;

type Dashboard = Record<string, any>;
const dashboardOf = async (t: TestGateway, key: string): Promise<Dashboard> => ok(await t.gql(key, DASHBOARD_QUERY)).company.gdprDashboard;
/** The answer without the two fields that move with the clock. */
const steady = (d: Dashboard) => ({ ...d, activity: { ...d.activity, since: undefined, until: undefined } });
const storeIdsIn = (d: Dashboard) => ({
  stores: d.stores.map((s: any) => s.store.id),
  usedBy: [...new Set(d.subProcessors.flatMap((p: any) => p.usedBy.map((u: any) => u.store.id)))].sort(),
  purges: d.activity.purges.map((p: any) => p.store.id),
  failed: d.activity.failedToRetry.map((f: any) => f.store.id),
});

describe.each(ENGINES)('GDPR dashboard page data [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let analystKey: string;
  beforeAll(async () => {
    t = await startTestGateway(engine, { DATA_REGION: 'EU (Falkenstein, DE)', BACKUP_REGION: 'EU (Dublin, IE)' });
    a = await createTenant(t, 'Alpha', 2);
    b = await createTenant(t, 'Beta', 1);
    analystKey = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    const [s1] = a.storeIds;
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: s1, c: [{ id: 'c1', email: 'one@example.com', city: 'Aarhus' }, { id: 'c2', email: 'two@example.com' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, {
      s: s1,
      o: [
        { id: 'o1', customerId: 'c1', email: 'one@example.com', currency: 'DKK', lines: [{ productId: 'p', quantity: 1, unitPrice: 10 }] },
        { id: 'o2', customerId: 'c1', email: 'one@example.com', currency: 'DKK', lines: [] },
        { id: 'o3', email: 'three@example.com', currency: 'DKK', lines: [] },
      ],
    }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s: s1, e: [{ visitorId: 'v1', email: 'one@example.com', customerId: 'c1', type: 'PAGE_VIEW' }] }));
    ok(await t.gql(b.key, UPSERT_CUSTOMERS, { s: b.storeIds[0], c: [{ id: 'b1', email: 'one@example.com' }] }));
  });
  afterAll(() => t?.close());

  it('counts each e-mail address once, however many customers, orders and visitors hold it', async () => {
    const d = await dashboardOf(t, a.key);
    // Six rows hold an address (2 customers, 3 orders, 1 visitor); three addresses are distinct.
    expect(d.stores.map((s: any) => [s.store.id, s.counts.emailAddresses, s.emailAddress])).toEqual([[a.storeIds[0], 3, true], [a.storeIds[1], 0, false]]);
    expect(d.stores[0].counts).toEqual({ visitors: 1, customersWithPreferences: 1, emailAddresses: 3, orders: 3, customersWithCrm: 1 });
  });

  it('says where data and backups are kept, and shows the collection settings', async () => {
    const d = await dashboardOf(t, a.key);
    expect(d.stores[0].location).toEqual({ engine, server: engine === 'sqlite' ? 'embedded' : 'default', dataRegion: 'EU (Falkenstein, DE)', backupRegion: 'EU (Dublin, IE)' });
    expect(d.stores[0].store.settings).toEqual({
      collectEmails: true, trackPageViews: true, trackContentViews: true, trackClicks: true, collectCrm: true,
      products: ['recommendations', 'search'], retentionMinMonths: 1, retentionMaxMonths: 12,
    });
    const hosting = d.subProcessors.find((p: any) => p.subProcessor.id === 'hosting');
    expect(hosting).toEqual({
      inUse: true,
      subProcessor: {
        id: 'hosting', name: 'Hetzner Online', legalEntity: 'Hetzner Online GmbH', purpose: 'Hosting of the platform\'s servers and databases',
        country: 'DE', location: 'Germany', inEea: true, transferMechanism: null,
        dataCategories: ['browsingHistory', 'purchasePreferences', 'emailAddress', 'orderHistory', 'crm'],
      },
      usedBy: a.storeIds.map((id, i) => ({ store: { id, name: `Alpha store ${i + 1}` }, products: ['*'] })),
    });
    const chat = d.subProcessors.find((p: any) => p.subProcessor.id === 'support-chat');
    expect(chat).toMatchObject({ inUse: false, usedBy: [], subProcessor: { inEea: false, country: 'US', transferMechanism: 'EU-US Data Privacy Framework' } });
  });

  it('starts with no activity: no requests, no purge ever, nothing in backups', async () => {
    const { activity } = await dashboardOf(t, a.key);
    expect(activity).toEqual({
      since: expect.any(String), until: expect.any(String), days: 30,
      forgetRequests: { pending: 0, completed: 0, failed: 0 },
      failedToRetry: [], failedToRetryCount: 0, backupsClearBy: null,
      purges: a.storeIds.map((id, i) => ({ store: { id, name: `Alpha store ${i + 1}` }, runs: 0, visitorsDeleted: 0, eventsDeleted: 0, lastRun: null })),
    });
    expect(new Date(activity.until).getTime() - new Date(activity.since).getTime()).toBe(30 * DAY);
    expect(Math.abs(new Date(activity.until).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('lists a failed forget to retry until a retry for the same person in that store completes', async () => {
    const [s1] = a.storeIds;
    const heal = await failDeletes(t, s1, 'customers');
    const [failed] = ok(await t.gql(a.key, FORGET, { q: 'one@example.com', s: s1 })).forgetCustomer.requests;
    await heal();
    expect(failed.status).toBe('FAILED');
    const [other] = ok(await t.gql(a.key, FORGET, { q: 'c2', s: s1 })).forgetCustomer.requests;
    expect(other.status).toBe('COMPLETED');

    let { activity } = await dashboardOf(t, a.key);
    expect(activity.forgetRequests).toEqual({ pending: 0, completed: 1, failed: 1 });
    expect(activity.failedToRetry).toEqual([{ id: failed.id, requestedAt: failed.requestedAt, failure: expect.stringMatching(/Retry/), store: { id: s1, name: 'Alpha store 1' } }]);
    expect(activity.failedToRetryCount).toBe(1);
    expect(activity.backupsClearBy).toBe(other.backupsClearBy);

    const [retry] = ok(await t.gql(a.key, FORGET, { q: 'one@example.com', s: s1 })).forgetCustomer.requests;
    expect(retry.status).toBe('COMPLETED');
    ({ activity } = await dashboardOf(t, a.key));
    // The failure stays in the period's counts (it happened) but is no longer to retry.
    expect(activity.forgetRequests).toEqual({ pending: 0, completed: 2, failed: 1 });
    expect(activity.failedToRetry).toEqual([]);
    expect(activity.failedToRetryCount).toBe(0);
    expect(activity.backupsClearBy).toBe(retry.backupsClearBy);
    expect(new Date(retry.backupsClearBy).getTime() - new Date(retry.requestedAt).getTime()).toBe(30 * DAY);
  });

  it('shows each store\'s purges of the period and its latest run', async () => {
    const [s1, s2] = a.storeIds;
    const old = new Date(Date.now() - 400 * DAY).toISOString();
    ok(await t.gql(a.key, TRACK_EVENTS, { s: s1, e: [{ visitorId: 'gone', type: 'PAGE_VIEW', occurredAt: old }] }));
    const first = ok(await t.gql(a.key, PURGE, { s: s1 })).purgeExpiredData;
    expect(first.eventsDeleted).toBeGreaterThanOrEqual(1);
    const second = ok(await t.gql(a.key, PURGE, { s: s1 })).purgeExpiredData;
    const { activity } = await dashboardOf(t, a.key);
    expect(activity.purges).toEqual([
      {
        store: { id: s1, name: 'Alpha store 1' },
        runs: 2,
        visitorsDeleted: first.visitorsDeleted + second.visitorsDeleted,
        eventsDeleted: first.eventsDeleted + second.eventsDeleted,
        lastRun: { status: 'COMPLETED', startedAt: second.runs[0].startedAt, finishedAt: expect.any(String), visitorsDeleted: second.visitorsDeleted, eventsDeleted: second.eventsDeleted },
      },
      { store: { id: s2, name: 'Alpha store 2' }, runs: 0, visitorsDeleted: 0, eventsDeleted: 0, lastRun: null },
    ]);
  });

  it('gives a key without PERSONAL_DATA_READ the whole dashboard, exactly as an all-scope key sees it', async () => {
    const analyst = await t.gql(analystKey, DASHBOARD_QUERY);
    expect(analyst.errors).toBeUndefined();
    const full = await dashboardOf(t, a.key);
    expect(steady(analyst.data!.company.gdprDashboard)).toEqual(steady(full));
    // And a key with no scope at all: the dashboard holds nothing it may not see.
    const bare = await createKey(t, a.key, a.companyId, []).catch(() => null);
    if (bare) expect(steady(await dashboardOf(t, bare))).toEqual(steady(full));
  });

  it('shows another company only its own stores, purges and failures, and their dashboard is NOT_FOUND to it', async () => {
    const mine = await dashboardOf(t, b.key);
    expect(storeIdsIn(mine)).toEqual({ stores: b.storeIds, usedBy: b.storeIds, purges: b.storeIds, failed: [] });
    expect(mine.activity.forgetRequests).toEqual({ pending: 0, completed: 0, failed: 0 });
    expect(mine.stores[0].counts.emailAddresses).toBe(1);
    const theirs = await t.gql(b.key, `query($c:ID!){ company(id:$c){ gdprDashboard { stores { store { id } } } } }`, { c: a.companyId });
    expect(codes(theirs)).toEqual(['NOT_FOUND']);
    expect(theirs.data ?? null).toBeNull();
  });

  it('shows a key narrowed to one store only that store, with its own activity', async () => {
    const [s1, s2] = a.storeIds;
    const narrow = await createKey(t, a.key, a.companyId, ['PROFILES_READ'], [s2]);
    const d = await dashboardOf(t, narrow);
    expect(storeIdsIn(d)).toEqual({ stores: [s2], usedBy: [s2], purges: [s2], failed: [] });
    expect(d.activity.forgetRequests).toEqual({ pending: 0, completed: 0, failed: 0 });
    expect(d.activity.backupsClearBy).toBeNull();
    expect(JSON.stringify(d)).not.toContain(s1);
  });

  it('reads the activity in a fixed number of catalog statements, whatever the number of stores', async () => {
    const count = async (key: string) => {
      await t.gql(key, DASHBOARD_QUERY); // opens every store once
      t.gateway.services.observer.reset();
      ok(await t.gql(key, DASHBOARD_QUERY));
      return { catalog: t.gateway.services.observer.total((db) => db === 'catalog'), stores: t.gateway.services.observer.total((db) => db.startsWith('store:')) };
    };
    const many = await createTenant(t, 'Many', 6);
    const one = await count(b.key);
    const six = await count(many.key);
    expect(six.catalog).toBe(one.catalog);
    expect(one.catalog).toBeLessThanOrEqual(10);
    expect([one.stores, six.stores]).toEqual([1, 6]);
  });
});

describe('GET /dashboard', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway('sqlite');
  });
  afterAll(() => t?.close());
  const base = () => new URL(t.url).origin;

  it('serves the page without a key, under a same-origin CSP, with the query it runs and no key outside demo mode', async () => {
    const res = await fetch(`${base()}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const config = JSON.parse(/<script id="dashboard-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1]);
    expect(config).toEqual({ endpoint: '/graphql', demoKey: null, query: DASHBOARD_QUERY });
    // Every script, style and icon it loads is the gateway's own.
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['#main', '/dashboard/dashboard.css', '/dashboard/dashboard.js', '/dashboard/favicon.svg', '/dashboard/labels-da.js', '/dashboard/labels-en.js']);
    expect(html).not.toMatch(/<style|style=/);
  });

  it.each([
    ['dashboard.js', 'text/javascript'],
    ['dashboard.css', 'text/css'],
    ['labels-en.js', 'text/javascript'],
    ['labels-da.js', 'text/javascript'],
  ])('serves %s as %s', async (file, type) => {
    const res = await fetch(`${base()}/dashboard/${file}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each(['..%2Fpackage.json', 'nope.js', '%2e%2e%2fsrc%2fapp.ts', 'dashboard.js%00.css'])('does not serve %s', async (file) => {
    const res = await fetch(`${base()}/dashboard/${file}`);
    expect(res.status).toBe(404);
  });
});
