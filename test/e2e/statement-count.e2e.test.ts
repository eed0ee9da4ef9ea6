import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, TRACK_EVENTS, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';

const PAGE = `query($s:ID!,$n:Int!){ customers(storeId:$s, first:$n){ totalCount edges { node {
  id email crm { city }
  orders(first: 5){ totalCount edges { node { id total lines { productId quantity unitPrice product { name category } } } } }
  visitors { id log(first: 5){ edges { node { type url occurredAt } } } }
  preferences { topProducts { productId score } topCategories { name score } }
} } } }`;

// bench/profile.ts's profile read, by e-mail: orders with their lines, visitors with their log, preferences.
const PROFILE = `query($s:ID!,$e:String!){ customer(storeId:$s, idOrEmail:$e){
  id email crm { age gender city }
  orders(first: 10){ totalCount edges { node { id total currency lines { productId quantity unitPrice } } } }
  visitors { id log(first: 10){ edges { node { type url occurredAt } } } }
  preferences { topProducts { productId score } topCategories { name score } }
} }`;

describe.each(ENGINES)('statements per request [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Counted');
    const s = a.storeIds[0];
    const ids = Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: ids.map((id) => ({ id, email: `${id}@example.com`, city: 'Odense' })) }));
    ok(await t.gql(a.key, TRACK_EVENTS, { s, e: ids.flatMap((id) => [0, 1, 2].map((k) => ({ visitorId: `v-${id}`, customerId: id, type: k === 2 ? 'CLICK' : 'PAGE_VIEW', productId: `p${k}`, url: `https://shop/${k}` }))) }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: ids.flatMap((id) => [0, 1].map((k) => ({ id: `o-${id}-${k}`, customerId: id, currency: 'EUR', lines: [{ productId: `p${k}`, quantity: 1, unitPrice: 5 }] }))) }));
  });
  afterAll(() => t?.close());

  async function statementsFor(n: number): Promise<{ count: number; store: number; customers: number }> {
    await t.gql(a.key, PAGE, { s: a.storeIds[0], n }); // warm: the store is open, its schema checked
    t.gateway.services.observer.reset();
    const d = ok(await t.gql(a.key, PAGE, { s: a.storeIds[0], n }));
    const observer = t.gateway.services.observer;
    return { count: observer.total(), store: observer.total((db) => db.startsWith('store:')), customers: d.customers.edges.length };
  }

  it('reads a whole profile in three store statements and five all told', async () => {
    const vars = { s: a.storeIds[0], e: 'c007@example.com' };
    await t.gql(a.key, PROFILE, vars);
    t.gateway.services.observer.reset();
    const d = ok(await t.gql(a.key, PROFILE, vars));
    const observer = t.gateway.services.observer;
    expect(d.customer.id).toBe('c007');
    expect(d.customer.orders.totalCount).toBe(2);
    expect(d.customer.orders.edges[0].node.lines).toHaveLength(1);
    expect(d.customer.visitors.map((v: { id: string }) => v.id)).toEqual(['v-c007']);
    expect(d.customer.visitors[0].log.edges).toHaveLength(3);
    expect(d.customer.preferences.topProducts.length).toBeGreaterThan(0);
    // Store: the customer with their links and preferences, their orders with lines and count,
    // the visitors' logs. Catalog: the catalog version (key and store rows are cached), the audit
    // entry with its subject hashes in one INSERT. Issue 13's bound is 6 all told.
    expect(observer.total((db) => db.startsWith('store:'))).toBe(3);
    expect(observer.total((db) => db === 'catalog')).toBe(2);
    expect(observer.total()).toBeLessThanOrEqual(6);
  });

  it('reads the lines with the orders whether selected directly or through fragments', async () => {
    const viaFragments = `query($s:ID!,$e:String!){ customer(storeId:$s, idOrEmail:$e){ orders(first: 10){ ...Edges } } }
      fragment Edges on OrderConnection { edges { node { ... on Order { ...Lines } } } }
      fragment Lines on Order { id lines { productId quantity } }`;
    const vars = { s: a.storeIds[0], e: 'c008@example.com' };
    await t.gql(a.key, viaFragments, vars);
    t.gateway.services.observer.reset();
    const d = ok(await t.gql(a.key, viaFragments, vars));
    const lines = d.customer.orders.edges.map((e: { node: { id: string; lines: unknown[] } }) => [e.node.id, e.node.lines]);
    expect(lines.sort()).toEqual([['o-c008-0', [{ productId: 'p0', quantity: 1 }]], ['o-c008-1', [{ productId: 'p1', quantity: 1 }]]]);
    // The customer with their links, the orders with their lines: no statement of its own for the lines.
    expect(t.gateway.services.observer.total((db) => db.startsWith('store:'))).toBe(2);
  });

  it('issues the same small number of statements for a page of 10 and a page of 50 customers', async () => {
    const ten = await statementsFor(10);
    const fifty = await statementsFor(50);
    expect(ten.customers).toBe(10);
    expect(fifty.customers).toBe(50);
    expect(fifty.count).toBe(ten.count);
    // Store: page, count, the profiles' links, orders (with their lines and counts), the lines'
    // products, the visitors' logs, preferences. Catalog: the catalog version (key and store rows
    // are cached), the audit entry with its subject hashes (one insert for the whole page).
    expect(ten.store).toBe(7);
    expect(ten.count).toBe(9);
  });
});
