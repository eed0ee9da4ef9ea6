import { ENGINES, GqlResult, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS, UPSERT_ORDERS } from '../support/fixtures';

const ANALYST_LITERAL = 'query($s:ID!){ customers(storeId:$s, first:10){ totalCount edges { node { id orders(first:20){ totalCount edges { node { id createdAt total currency lines { productId quantity unitPrice } } } } } } } }';
const ANALYST_VARIABLES = 'query($s:ID!,$c:Int,$o:Int){ customers(storeId:$s, first:$c){ totalCount edges { node { id orders(first:$o){ totalCount edges { node { id createdAt total currency lines { productId quantity unitPrice } } } } } } } }';
const HEAVY_LITERAL = 'query($s:ID!){ customers(storeId:$s, first:100){ edges { node { id orders(first:100){ edges { node { id lines { productId quantity unitPrice } } } } } } } }';
const HEAVY_FRAGMENT = `query($s:ID!,$n:Int = 100){ customers(storeId:$s, first:$n){ ...Page } }
  fragment Page on CustomerConnection { edges { node { id orders(first:$n){ edges { node { ...Order } } } } } }
  fragment Order on Order { id lines { productId quantity unitPrice } }`;
const COST = 'Query rejected: it is above the cost limit (the values it may return). Ask for smaller pages (`first`) or fewer nested lists.';
const FIRST = '`first` must be between 0 and 100';

async function raw(t: TestGateway, key: string, query: string, variables: Record<string, unknown>): Promise<GqlResult & { status: number }> {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as GqlResult;
  return { status: res.status, data: body.data, errors: body.errors };
}

describe.each(ENGINES)('query cost and page sizes [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  let s: string;

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Costly');
    s = a.storeIds[0];
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s, c: [{ id: 'c1' }] }));
    ok(await t.gql(a.key, UPSERT_ORDERS, { s, o: [{ id: 'o1', customerId: 'c1', currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 2 }] }] }));
  });
  afterAll(() => t?.close());

  it('runs the typical analyst query written with literals, and the same with variables', async () => {
    const order = { id: 'o1', createdAt: expect.any(String), total: 2, currency: 'EUR', lines: [{ productId: 'p1', quantity: 1, unitPrice: 2 }] };
    const expected = { customers: { totalCount: 1, edges: [{ node: { id: 'c1', orders: { totalCount: 1, edges: [{ node: order }] } } }] } };
    expect(ok(await t.gql(a.key, ANALYST_LITERAL, { s }))).toEqual(expected);
    expect(ok(await t.gql(a.key, ANALYST_VARIABLES, { s, c: 10, o: 20 }))).toEqual(expected);
  });

  it('refuses a heavy query whatever its form, naming the cost limit, not its value', async () => {
    const forms: [string, Record<string, unknown>][] = [
      [HEAVY_LITERAL, { s }],
      [ANALYST_VARIABLES, { s, c: 100, o: 100 }],
      [HEAVY_FRAGMENT, { s }],
      [HEAVY_FRAGMENT, { s, n: 100 }],
      // Several medium queries under aliases add up.
      [`query($s:ID!){ ${Array.from({ length: 8 }, (_, i) => `c${i}: customers(storeId:$s, first:100){ edges { node { id orders(first:20){ edges { node { id } } } } } }`).join(' ')} }`, { s }],
    ];
    for (const [query, variables] of forms) {
      const r = await raw(t, a.key, query, variables);
      expect({ status: r.status, data: r.data, errors: r.errors?.map((e) => ({ message: e.message, code: e.extensions?.code })) }).toEqual({
        status: 400,
        data: undefined,
        errors: [{ message: COST, code: 'GRAPHQL_VALIDATION_FAILED' }],
      });
    }
    // An operation found within the limit is not walked again for the same page sizes
    // (query-cost.ts): other page sizes on the same text are still weighed, each time.
    for (const [c, o] of [[10, 20], [100, 100], [10, 20], [100, 100], [0, 100]]) {
      const r = await raw(t, a.key, ANALYST_VARIABLES, { s, c, o });
      expect(r.errors?.map((e) => e.message) ?? []).toEqual(c === 100 ? [COST] : []);
    }
  });

  it('answers a page size outside 0–100 with BAD_USER_INPUT naming `first`, literal or variable', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query($s:ID!){ customers(storeId:$s, first: 100000){ totalCount } }', { s }],
      ['query($s:ID!){ customers(storeId:$s, first: -1){ totalCount } }', { s }],
      ['query($s:ID!,$c:Int){ customers(storeId:$s, first:$c){ totalCount } }', { s, c: 100000 }],
      [ANALYST_VARIABLES, { s, c: 10, o: 101 }],
      [HEAVY_FRAGMENT, { s, n: 5000 }],
    ];
    for (const [query, variables] of cases) {
      const r = await t.gql(a.key, query, variables);
      expect(r.errors?.map((e) => ({ message: e.message, code: e.extensions?.code }))).toEqual([{ message: FIRST, code: 'BAD_USER_INPUT' }]);
    }
    expect(ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s, first: 100){ totalCount } }', { s })).customers.totalCount).toBe(1);
    // The \`first\` arguments are found once per query text (query-cost.ts): the values are still
    // checked on every request of that text, whichever came first.
    for (const o of [20, 101, 20, -1]) {
      const r = await t.gql(a.key, ANALYST_VARIABLES, { s, c: 10, o });
      expect(r.errors?.map((e) => e.message) ?? []).toEqual(o === 20 ? [] : [FIRST]);
    }
  });

  it('names the kind of the other query limits, without "Syntax Error"', async () => {
    const aliases = await raw(t, a.key, `query { ${Array.from({ length: 40 }, (_, i) => `a${i}: viewer { apiKeyId }`).join(' ')} }`, {});
    expect(aliases.status).toBe(400);
    expect(aliases.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Query rejected: it has more aliases than the alias limit.', 'GRAPHQL_VALIDATION_FAILED']]);
    const deep = `query($s:ID!){ customers(storeId:$s, first:1){ edges { node { ${'orders(first:1){ edges { node { customer { '.repeat(4)} id ${'} } } } '.repeat(4)}} } } }`;
    const depth = await raw(t, a.key, deep, { s });
    expect(depth.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Query rejected: it is nested deeper than the depth limit.', 'GRAPHQL_VALIDATION_FAILED']]);
  });
});
