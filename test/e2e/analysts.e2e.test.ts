import { codes, ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createKey, createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';

const UPSERT_PRODUCTS = 'mutation($s:ID!,$p:[ProductInput!]!){ upsertProducts(storeId:$s, products:$p){ accepted } }';
const STATS = `query($s:ID!,$from:DateTime!,$to:DateTime!,$i:StatsInterval){ storeStats(storeId:$s, from:$from, to:$to, interval:$i){
  buckets { start orders customers revenue { currency amount } visitors events { pageViews contentViews clicks } } } }`;
const TOP = `query($s:ID!,$from:DateTime!,$to:DateTime!,$n:Int){ storeStats(storeId:$s, from:$from, to:$to){
  topProducts(first:$n){ product { id name category } quantity revenue { currency amount } } } }`;

const line = (productId: string, quantity: number, unitPrice: number) => ({ productId, quantity, unitPrice });
const money = (currency: string, amount: string) => ({ currency, amount });
const none = { pageViews: 0, contentViews: 0, clicks: 0 };
const empty = (start: string) => ({ start, orders: 0, customers: 0, revenue: [], visitors: 0, events: none });

describe.each(ENGINES)('analysts: stats, filters, products, exact money [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let b: Tenant;
  let s: string;
  let analyst: string;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Alpha');
    b = await createTenant(t, 'Beta');
    s = a.storeIds[0];
    analyst = await createKey(t, a.key, a.companyId, ['PROFILES_READ']);
    ok(await t.gql(a.key, UPSERT_PRODUCTS, { s, p: [
      { id: 'p1', name: 'Fjord 2 tent', category: 'Tents' },
      { id: 'p2', name: 'Ridge boot', category: 'Footwear' },
    ] }));
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }, { id: 'c4' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [
      // 2026-02-28 is a Saturday, 2026-03-01 a Sunday, 2026-03-02 a Monday.
      { id: 'o7', customerId: 'c4', createdAt: '2026-02-28T23:59:59.999Z', currency: 'DKK', lines: [line('p1', 100, 1)] },
      { id: 'o1', customerId: 'c1', createdAt: '2026-03-01T23:59:59.999Z', currency: 'DKK', lines: [line('p1', 2, 0.1), line('p2', 1, 0.2)] },
      { id: 'o2', customerId: 'c2', createdAt: '2026-03-02T00:00:00.000Z', currency: 'DKK', lines: [line('p1', 1, 1234.5)] },
      { id: 'o3', customerId: 'c1', createdAt: '2026-03-02T10:00:00.000Z', currency: 'eur', lines: [line('p2', 3, 0.1)] },
      { id: 'o4', createdAt: '2026-03-02T11:00:00.000Z', currency: 'DKK', lines: [line('p2', 1, 0.1)] },
      { id: 'o5', customerId: 'c1', createdAt: '2026-03-31T23:00:00.000Z', currency: 'DKK', lines: [line('p1', 1, 10)] },
      { id: 'o6', customerId: 'c3', createdAt: '2026-04-01T00:00:00.000Z', currency: 'DKK', lines: [line('p1', 1, 5)] },
      // Ten guest orders of 0.10: summed as floats they make 0.9999999999999999.
      ...Array.from({ length: 10 }, (_, i) => ({ id: `g${i}`, createdAt: `2026-03-03T0${i}:00:00.000Z`, currency: 'DKK', lines: [line('p3', 1, 0.1)] })),
    ] }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: [
      { visitorId: 'v1', customerId: 'c1', type: 'PAGE_VIEW', occurredAt: '2026-03-01T10:00:00.000Z' },
      { visitorId: 'v1', customerId: 'c1', type: 'CLICK', productId: 'p1', occurredAt: '2026-03-01T10:01:00.000Z' },
      { visitorId: 'v2', type: 'CONTENT_VIEW', occurredAt: '2026-03-01T23:59:59.999Z' },
      { visitorId: 'v1', type: 'PAGE_VIEW', occurredAt: '2026-03-02T00:00:00.000Z' },
      { visitorId: 'v3', type: 'PAGE_VIEW', occurredAt: '2026-03-02T05:00:00.000Z' },
      { visitorId: 'v3', type: 'CLICK', occurredAt: '2026-03-02T05:01:00.000Z' },
      { visitorId: 'v2', type: 'PAGE_VIEW', occurredAt: '2026-04-01T00:00:00.000Z' },
    ] }));
  });
  afterAll(() => t?.close());

  it('sums each UTC day exactly, with distinct buyers and visitors, currencies apart and empty days included', async () => {
    const d = ok(await t.gql(analyst, STATS, { s, from: '2026-03-01T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z' }));
    expect(d.storeStats.buckets).toEqual([
      { start: '2026-03-01T00:00:00.000Z', orders: 1, customers: 1, revenue: [money('DKK', '0.40')], visitors: 2, events: { pageViews: 1, contentViews: 1, clicks: 1 } },
      { start: '2026-03-02T00:00:00.000Z', orders: 3, customers: 2, revenue: [money('DKK', '1234.60'), money('EUR', '0.30')], visitors: 2, events: { pageViews: 2, contentViews: 0, clicks: 1 } },
      { start: '2026-03-03T00:00:00.000Z', orders: 10, customers: 0, revenue: [money('DKK', '1.00')], visitors: 0, events: none },
      empty('2026-03-04T00:00:00.000Z'),
    ]);
  });

  it('counts from inclusive and to exclusive, to the millisecond', async () => {
    const d = ok(await t.gql(analyst, STATS, { s, from: '2026-03-01T23:59:59.999Z', to: '2026-03-02T00:00:00.000Z' }));
    expect(d.storeStats.buckets).toEqual([
      { start: '2026-03-01T00:00:00.000Z', orders: 1, customers: 1, revenue: [money('DKK', '0.40')], visitors: 1, events: { pageViews: 0, contentViews: 1, clicks: 0 } },
    ]);
  });

  it('starts weeks on Monday 00:00 UTC, a Sunday late order in the week before', async () => {
    const d = ok(await t.gql(analyst, STATS, { s, from: '2026-02-23T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z', i: 'WEEK' }));
    expect(d.storeStats.buckets).toEqual([
      { start: '2026-02-23T00:00:00.000Z', orders: 2, customers: 2, revenue: [money('DKK', '100.40')], visitors: 2, events: { pageViews: 1, contentViews: 1, clicks: 1 } },
      { start: '2026-03-02T00:00:00.000Z', orders: 13, customers: 2, revenue: [money('DKK', '1235.60'), money('EUR', '0.30')], visitors: 2, events: { pageViews: 2, contentViews: 0, clicks: 1 } },
      empty('2026-03-09T00:00:00.000Z'),
    ]);
  });

  it('starts months on the 1st 00:00 UTC, and a bucket starting before `from` counts only from `from`', async () => {
    const d = ok(await t.gql(analyst, STATS, { s, from: '2026-02-01T00:00:00.000Z', to: '2026-05-01T00:00:00.000Z', i: 'MONTH' }));
    expect(d.storeStats.buckets).toEqual([
      { start: '2026-02-01T00:00:00.000Z', orders: 1, customers: 1, revenue: [money('DKK', '100.00')], visitors: 0, events: none },
      { start: '2026-03-01T00:00:00.000Z', orders: 15, customers: 2, revenue: [money('DKK', '1246.00'), money('EUR', '0.30')], visitors: 3, events: { pageViews: 3, contentViews: 1, clicks: 2 } },
      { start: '2026-04-01T00:00:00.000Z', orders: 1, customers: 1, revenue: [money('DKK', '5.00')], visitors: 1, events: { pageViews: 1, contentViews: 0, clicks: 0 } },
    ]);
    const mid = ok(await t.gql(analyst, STATS, { s, from: '2026-03-02T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z', i: 'MONTH' }));
    expect(mid.storeStats.buckets).toEqual([
      { start: '2026-03-01T00:00:00.000Z', orders: 13, customers: 2, revenue: [money('DKK', '1235.60'), money('EUR', '0.30')], visitors: 2, events: { pageViews: 2, contentViews: 0, clicks: 1 } },
    ]);
  });

  it('ranks top products by units, with names, categories and exact revenue per currency', async () => {
    const range = { s, from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
    expect(ok(await t.gql(analyst, TOP, { ...range, n: 10 })).storeStats.topProducts).toEqual([
      { product: { id: 'p3', name: null, category: null }, quantity: 10, revenue: [money('DKK', '1.00')] },
      { product: { id: 'p2', name: 'Ridge boot', category: 'Footwear' }, quantity: 5, revenue: [money('DKK', '0.30'), money('EUR', '0.30')] },
      { product: { id: 'p1', name: 'Fjord 2 tent', category: 'Tents' }, quantity: 4, revenue: [money('DKK', '1244.70')] },
    ]);
    expect(ok(await t.gql(analyst, TOP, { ...range, n: 1 })).storeStats.topProducts.map((p: { product: { id: string } }) => p.product.id)).toEqual(['p3']);
    expect(codes(await t.gql(analyst, TOP, { ...range, n: 101 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('allows at most 366 buckets and refuses an empty or reversed range, naming the rule', async () => {
    const year = ok(await t.gql(analyst, STATS, { s, from: '2026-01-01T00:00:00.000Z', to: '2027-01-02T00:00:00.000Z' }));
    expect(year.storeStats.buckets).toHaveLength(366);
    const tooMany = await t.gql(analyst, STATS, { s, from: '2026-01-01T00:00:00.000Z', to: '2027-01-02T00:00:00.001Z' });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors![0].message).toMatch(/366/);
    const decades = await t.gql(analyst, STATS, { s, from: '2000-01-01T00:00:00.000Z', to: '2099-01-01T00:00:00.000Z', i: 'MONTH' });
    expect(codes(decades)).toEqual(['BAD_USER_INPUT']);
    const reversed = await t.gql(analyst, STATS, { s, from: '2026-03-02T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
    expect(codes(reversed)).toEqual(['BAD_USER_INPUT']);
    expect(reversed.errors![0].message).toMatch(/`to` must be later than `from`/);
    expect(codes(await t.gql(analyst, STATS, { s, from: 'yesterday', to: '2026-03-01T00:00:00.000Z' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses hostile inputs on every new path with the error code that names the rule, never the value', async () => {
    const range = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };
    expect(codes(await t.gql(analyst, STATS, { s: 'x'.repeat(10_000), ...range }))).toEqual(['NOT_FOUND']);
    expect(codes(await t.gql(analyst, STATS, { s, ...range, i: 'YEAR' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(analyst, STATS, { s, from: 12, to: range.to }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(analyst, TOP, { s, ...range, n: -1 }))).toEqual(['BAD_USER_INPUT']);
    const orders = 'query($s:ID!,$from:DateTime){ orders(storeId:$s, from:$from){ totalCount } }';
    expect(codes(await t.gql(analyst, orders, { s, from: "2026-01-01' OR 1=1 --" }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(analyst, 'query($s:ID!){ customers(storeId:$s, orderBy: EMAIL){ totalCount } }', { s }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const longId = await t.gql(a.key, UPSERT_PRODUCTS, { s, p: [{ id: 'p'.repeat(129), name: 'n' }] });
    expect(codes(longId)).toEqual(['BAD_USER_INPUT']);
    expect(longId.errors![0].message).toMatch(/products\[0\]\.id must be at most 128 characters/);
    expect(longId.errors![0].message).not.toMatch(/pppp/);
    const longCategory = await t.gql(a.key, UPSERT_PRODUCTS, { s, p: [{ id: 'p1', category: 'c'.repeat(121) }] });
    expect(longCategory.errors![0].message).toMatch(/products\[0\]\.category must be at most 120 characters/);
  });

  it('needs PROFILES_READ, hides other tenants\' stores as missing, and writes no audit entry', async () => {
    const range = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };
    const ingestOnly = await createKey(t, a.key, a.companyId, ['INGEST']);
    expect(codes(await t.gql(ingestOnly, STATS, { s, ...range }))).toEqual(['FORBIDDEN']);
    const other = await t.gql(b.key, STATS, { s, ...range });
    const missing = await t.gql(b.key, STATS, { s: 'no-such-store', ...range });
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect(other.errors![0].message).toEqual(missing.errors![0].message);
    const auditCount = async () => ok(await t.gql(a.key, 'query($s:ID!){ auditLog(storeId:$s){ totalCount } }', { s })).auditLog.totalCount;
    const before = await auditCount();
    ok(await t.gql(analyst, STATS, { s, ...range }));
    ok(await t.gql(analyst, TOP, { s, ...range, n: 5 }));
    expect(await auditCount()).toBe(before);
  });

  it('filters orders by time range, counts the range, and gives exact totals and products on lines', async () => {
    const q = `query($s:ID!,$from:DateTime,$to:DateTime){ orders(storeId:$s, from:$from, to:$to, first:2){ totalCount
      edges { node { id total totalAmount currency lines { productId product { id name category } } } } pageInfo { hasNextPage endCursor } } }`;
    const p1 = ok(await t.gql(analyst, q, { s, from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' })).orders;
    expect(p1.totalCount).toBe(3);
    expect(p1.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: 'o4', total: 0.1, totalAmount: '0.10', currency: 'DKK', lines: [{ productId: 'p2', product: { id: 'p2', name: 'Ridge boot', category: 'Footwear' } }] },
      { id: 'o3', total: 0.3, totalAmount: '0.30', currency: 'EUR', lines: [{ productId: 'p2', product: { id: 'p2', name: 'Ridge boot', category: 'Footwear' } }] },
    ]);
    const more = `query($s:ID!,$from:DateTime,$to:DateTime,$after:String){ orders(storeId:$s, from:$from, to:$to, after:$after){ edges { node { id totalAmount } } pageInfo { hasNextPage } } }`;
    const p2 = ok(await t.gql(analyst, more, { s, from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', after: p1.pageInfo.endCursor })).orders;
    expect(p2).toEqual({ edges: [{ node: { id: 'o2', totalAmount: '1234.50' } }], pageInfo: { hasNextPage: false } });
    const since = ok(await t.gql(analyst, 'query($s:ID!){ orders(storeId:$s, from:"2026-03-31T00:00:00.000Z"){ totalCount edges { node { id lines { product { name } } } } } }', { s })).orders;
    expect(since).toEqual({ totalCount: 2, edges: [{ node: { id: 'o6', lines: [{ product: { name: 'Fjord 2 tent' } }] } }, { node: { id: 'o5', lines: [{ product: { name: 'Fjord 2 tent' } }] } }] });
    expect(ok(await t.gql(analyst, 'query($s:ID!){ orders(storeId:$s){ totalCount } }', { s })).orders.totalCount).toBe(17);
    expect(codes(await t.gql(analyst, q, { s, from: '2026-03-03T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('orders customers by ID or most recently updated first, each with its own cursors', async () => {
    const st = a.storeIds[0];
    const q = 'query($s:ID!,$o:CustomerOrderBy,$after:String){ customers(storeId:$s, orderBy:$o, first:2, after:$after){ totalCount edges { node { id } } pageInfo { endCursor } } }';
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: st, c: [{ id: 'c2' }] }));
    await new Promise((r) => setTimeout(r, 5));
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: st, c: [{ id: 'c3' }] }));
    const ids = (c: { edges: { node: { id: string } }[] }) => c.edges.map((e) => e.node.id);
    const recent = ok(await t.gql(analyst, q, { s: st, o: 'UPDATED_AT' })).customers;
    expect(recent.totalCount).toBe(4);
    expect(ids(recent)).toEqual(['c3', 'c2']);
    expect(ids(ok(await t.gql(analyst, q, { s: st, o: 'UPDATED_AT', after: recent.pageInfo.endCursor })).customers)).toEqual(['c4', 'c1']);
    const byId = ok(await t.gql(analyst, q, { s: st })).customers;
    expect(ids(byId)).toEqual(['c1', 'c2']);
    expect(codes(await t.gql(analyst, q, { s: st, o: 'UPDATED_AT', after: byId.pageInfo.endCursor }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a visitor log\'s totalCount', async () => {
    const q = 'query($s:ID!,$v:ID!){ visitor(storeId:$s, id:$v){ log(first:1){ totalCount edges { node { type } } } } }';
    expect(ok(await t.gql(a.key, q, { s, v: 'v1' })).visitor.log).toEqual({ totalCount: 3, edges: [{ node: { type: 'PAGE_VIEW' } }] });
    expect(ok(await t.gql(a.key, q, { s, v: 'v3' })).visitor.log.totalCount).toBe(2);
  });

  it('takes products in whole batches, replaces them, and groups preferences by their categories', async () => {
    const st = a.storeIds[0];
    const prefs = 'query($s:ID!){ customer(storeId:$s, idOrEmail:"c1"){ preferences { topCategories { name score } } } }';
    // c1 bought p1 ×3 (9 points) and clicked it once (1), bought p2 ×4 (12).
    expect(ok(await t.gql(analyst, prefs, { s: st })).customer.preferences.topCategories).toEqual([{ name: 'Footwear', score: 12 }, { name: 'Tents', score: 10 }]);
    const bad = await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1', name: 'Renamed', category: 'Shelter' }, { id: 'p2', name: 'x'.repeat(201) }, { id: ' ' }] });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0].message).toMatch(/products\[1\]\.name must be at most 200 characters/);
    expect(bad.errors![0].message).toMatch(/products\[2\]\.id must be a non-empty ID/);
    expect(bad.errors![0].message).not.toMatch(/xxxx/);
    expect(codes(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p9' }, { id: 'p9' }] }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: Array.from({ length: 1001 }, (_, i) => ({ id: `q${i}` })) }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [] }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1', name: 42 }] }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(analyst, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1' }] }))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(b.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1' }] }))).toEqual(['NOT_FOUND']);
    const product = 'query($s:ID!){ orders(storeId:$s, from:"2026-04-01T00:00:00.000Z"){ edges { node { lines { product { id name category } } } } } }';
    expect(ok(await t.gql(analyst, product, { s: st })).orders.edges[0].node.lines[0].product).toEqual({ id: 'p1', name: 'Fjord 2 tent', category: 'Tents' });
    // Sent again, a product is replaced; a category moves the preferences with it.
    expect(ok(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1', name: '  Fjord 3 tent ', category: 'Footwear' }] }))).toEqual({ upsertProducts: { accepted: 1 } });
    expect(ok(await t.gql(analyst, product, { s: st })).orders.edges[0].node.lines[0].product).toEqual({ id: 'p1', name: 'Fjord 3 tent', category: 'Footwear' });
    expect(ok(await t.gql(analyst, prefs, { s: st })).customer.preferences.topCategories).toEqual([{ name: 'Footwear', score: 22 }]);
    ok(await t.gql(a.key, UPSERT_PRODUCTS, { s: st, p: [{ id: 'p1', name: 'Fjord 2 tent', category: 'Tents' }] }));
  });
});
