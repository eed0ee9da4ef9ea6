import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';
import { storeSql } from '../support/faults';

/**
 * preference_tallies must always equal what re-aggregating the events and order lines gives
 * (the PreferenceTallies migration's backfill, the profile's read before the tallies): after
 * ingestion, an order sent again with another buyer and other lines, a retention purge, a forget.
 */
const TALLIES = 'SELECT kind, ownerId, productId, n FROM preference_tallies';
const REAGGREGATED =
  "SELECT 'v' AS kind, e.visitorId AS ownerId, e.productId AS productId, COUNT(*) AS n FROM visit_events e WHERE e.type = 'CLICK' AND e.productId IS NOT NULL GROUP BY e.visitorId, e.productId " +
  "UNION ALL SELECT 'c', o.customerId, l.productId, SUM(l.quantity) FROM order_lines l INNER JOIN orders o ON o.id = l.orderId WHERE o.customerId IS NOT NULL GROUP BY o.customerId, l.productId";

type Row = { kind: string; ownerId: string; productId: string; n: number };
const sorted = (rows: Row[]) =>
  rows.map((r) => ({ kind: r.kind, ownerId: r.ownerId, productId: r.productId, n: Number(r.n) })).sort((a, b) => `${a.kind}|${a.ownerId}|${a.productId}`.localeCompare(`${b.kind}|${b.ownerId}|${b.productId}`));

const PREFS = 'query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ preferences { topProducts { productId score } } } }';
const PURGE = 'mutation($s:ID){ purgeExpiredData(storeId:$s){ eventsDeleted } }';
const FORGET = 'mutation($q:String!,$s:ID){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { status } } }';
const monthsAgo = (m: number) => new Date(Date.now() - m * 31 * 86_400_000).toISOString();

describe.each(ENGINES)('preference tallies [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;

  async function expectTalliesEqualReaggregation(): Promise<Row[]> {
    const tallies = sorted(await storeSql(t, s, TALLIES));
    expect(tallies).toEqual(sorted(await storeSql(t, s, REAGGREGATED)));
    return tallies;
  }
  // A profile reads them with the customer (person-links.loader.ts), a list through its loader: both must agree.
  const LIST = 'query($s:ID!){ customers(storeId:$s, first: 10){ edges { node { id preferences { topProducts { productId score } } } } } }';
  const top = async (q: string) => {
    const one = ok(await t.gql(a.key, PREFS, { s, q })).customer?.preferences.topProducts;
    const listed = ok(await t.gql(a.key, LIST, { s })).customers.edges.find((e: { node: { id: string } }) => e.node.id === q || `${e.node.id}@example.com` === q);
    expect(listed?.node.preferences.topProducts).toEqual(one);
    return one;
  };

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Tallied');
    s = a.storeIds[0];
  });
  afterAll(() => t?.close());

  it('are kept at ingestion: clicks per visitor, units bought per customer', async () => {
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'ann', email: 'ann@example.com' }, { id: 'bob', email: 'bob@example.com' }] }));
    const click = (visitorId: string, productId: string, extra: Record<string, unknown> = {}) => ({ visitorId, type: 'CLICK', productId, url: 'https://shop/p', ...extra });
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      click('va', 'p1', { customerId: 'ann' }), click('va', 'p1'), click('va', 'p1'),
      click('va', 'p2', { occurredAt: monthsAgo(14) }), click('va', 'p2', { occurredAt: monthsAgo(14) }),
      click('vb', 'p3'), click('vb', 'p3', { customerId: 'bob' }),
      { visitorId: 'va', type: 'PAGE_VIEW', url: 'https://shop/' },
    ] }));
    // A second batch adds to the same tallies.
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [click('vb', 'p3')] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      { id: 'o1', customerId: 'ann', currency: 'EUR', lines: [{ productId: 'p1', quantity: 2, unitPrice: 5 }, { productId: 'p4', quantity: 1, unitPrice: 5 }] },
      { id: 'o2', customerId: 'bob', currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 5 }] },
      { id: 'o3', email: 'guest@example.com', currency: 'EUR', lines: [{ productId: 'p1', quantity: 7, unitPrice: 5 }] },
    ] }));
    const tallies = await expectTalliesEqualReaggregation();
    expect(tallies).toContainEqual({ kind: 'v', ownerId: 'vb', productId: 'p3', n: 3 });
    expect(tallies).toContainEqual({ kind: 'c', ownerId: 'ann', productId: 'p1', n: 2 });
    // Clicks count 1, units bought 3 (profiles/preferences.ts).
    expect(await top('ann@example.com')).toEqual([{ productId: 'p1', score: 9 }, { productId: 'p4', score: 3 }, { productId: 'p2', score: 2 }]);
    expect(await top('bob')).toEqual([{ productId: 'p1', score: 3 }, { productId: 'p3', score: 3 }]);
  });

  it('follow an order sent again with another buyer and other lines', async () => {
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'o2', customerId: 'ann', currency: 'EUR', lines: [{ productId: 'p5', quantity: 4, unitPrice: 5 }] }] }));
    const tallies = await expectTalliesEqualReaggregation();
    expect(tallies.filter((r) => r.kind === 'c' && r.ownerId === 'bob')).toEqual([]);
    expect(await top('ann')).toEqual([{ productId: 'p5', score: 12 }, { productId: 'p1', score: 9 }, { productId: 'p4', score: 3 }, { productId: 'p2', score: 2 }]);
    expect(await top('bob')).toEqual([{ productId: 'p3', score: 3 }]);
  });

  it('lose the clicks a retention purge deletes', async () => {
    const r = ok(await t.gql(a.key, PURGE, { s }));
    expect(r.purgeExpiredData.eventsDeleted).toBeGreaterThanOrEqual(2);
    const tallies = await expectTalliesEqualReaggregation();
    expect(tallies.filter((x) => x.productId === 'p2')).toEqual([]);
    expect(await top('ann')).toEqual([{ productId: 'p5', score: 12 }, { productId: 'p1', score: 9 }, { productId: 'p4', score: 3 }]);
  });

  it('lose everything of a forgotten person, and only that', async () => {
    const d = ok(await t.gql(a.key, FORGET, { q: 'ann@example.com', s }));
    expect(d.forgetCustomer.requests.map((x: { status: string }) => x.status)).toEqual(['COMPLETED']);
    const tallies = await expectTalliesEqualReaggregation();
    expect(tallies.filter((x) => x.ownerId === 'ann' || x.ownerId === 'va')).toEqual([]);
    expect(tallies).toContainEqual({ kind: 'v', ownerId: 'vb', productId: 'p3', n: 3 });
    expect(await top('bob')).toEqual([{ productId: 'p3', score: 3 }]);
  });
});
