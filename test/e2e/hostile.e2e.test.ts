import { ENGINES, ok, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant, UPSERT_CUSTOMERS } from '../support/fixtures';
import { playgroundExamples } from '../../src/http/playground-examples';
import { QUERY_LIMITS } from '../../src/http/armor';

interface Raw {
  status: number;
  text: string;
}

/** The response must be a 4xx or a coded GraphQL error, never a 5xx, a stack or SQL. */
function expectHandled(name: string, r: Raw): void {
  expect({ name, status: r.status < 500 }).toEqual({ name, status: true });
  expect(r.text).not.toMatch(/\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|node_modules/);
  expect(r.text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b/);
  if (r.status === 200) {
    const body = JSON.parse(r.text) as { errors?: { extensions?: { code?: string } }[] };
    for (const e of body.errors ?? []) expect(e.extensions?.code).toMatch(/^[A-Z_]+$/);
  }
}

describe.each(ENGINES)('hostile requests [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  const post = async (body: string, key: string | null = a.key, contentType = 'application/json'): Promise<Raw> => {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });
    return { status: res.status, text: await res.text() };
  };
  const gql = (query: string, variables?: unknown, key: string | null = a.key) => post(JSON.stringify({ query, variables }), key);
  const snapshot = async () => ok(await t.gql(a.key, 'query($s:ID!){ customers(storeId:$s, first: 100){ totalCount edges { node { id email name } } } orders(storeId:$s){ totalCount } }', { s: a.storeIds[0] }));

  beforeAll(async () => {
    t = await startTestGateway(engine);
    a = await createTenant(t, 'Target');
    ok(await t.gql(a.key, UPSERT_CUSTOMERS, { s: a.storeIds[0], c: [{ id: 'h1', email: 'jose@example.com', name: 'José' }] }));
  });
  afterAll(() => t?.close());

  it('answers a corpus of hostile requests with 4xx or coded errors, and changes nothing', async () => {
    const before = await snapshot();
    const s = a.storeIds[0];
    const depth50 = `query { customers(storeId: "${s}") { edges { node { ${'orders { edges { node { customer { '.repeat(10)} id ${'} } } } '.repeat(10)}} } } }`;
    const aliases = `query { ${Array.from({ length: 1000 }, (_, i) => `a${i}: viewer { apiKeyId }`).join(' ')} }`;
    const corpus: [string, () => Promise<Raw>][] = [
      ['malformed JSON', () => post('{"query": "{ viewer { apiKeyId } }"')],
      ['not JSON at all', () => post('query { viewer { apiKeyId } }', a.key, 'text/plain')],
      ['invalid GraphQL', () => gql('{ viewer { apiKeyId ')],
      ['unknown field', () => gql('{ viewer { secret } }')],
      ['depth 50', () => gql(depth50)],
      ['1,000 aliases', () => gql(aliases)],
      ['2 MB query', () => gql(`{ viewer { apiKeyId } } # ${'x'.repeat(2_000_000)}`)],
      ['many tokens', () => gql(`{ viewer { ${'apiKeyId '.repeat(QUERY_LIMITS.maxTokens)} } }`)],
      ['batched array', () => post(JSON.stringify([{ query: '{ viewer { apiKeyId } }' }, { query: '{ viewer { apiKeyId } }' }]))],
      ['SQL injection in idOrEmail', () => gql('query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }', { s, q: "' OR 1=1; DROP TABLE customers; --" })],
      ['SQL injection in storeId', () => gql('query($s:ID!){ customers(storeId:$s){ totalCount } }', { s: "x' OR '1'='1" })],
      ['SQL injection in a cursor', () => gql('query($s:ID!,$a:String){ customers(storeId:$s, after:$a){ totalCount } }', { s, a: Buffer.from('["\' OR 1=1 --"]').toString('base64url') })],
      ['SQL injection in ingestion', () => gql(UPSERT_CUSTOMERS, { s, c: [{ id: "x'); DELETE FROM customers; --", city: "'; DROP TABLE orders; --" }] })],
      ['homoglyph e-mail (Cyrillic)', () => gql('query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }', { s, q: 'jоse@example.com' })],
      ['homoglyph e-mail forget', () => gql('mutation($s:ID!,$q:String!){ forgetCustomer(idOrEmail:$q, storeId:$s){ requests { customersDeleted } } }', { s, q: 'josé@example.com' })],
      ['wrong enum value', () => gql('mutation($s:ID!){ trackEvents(storeId:$s, events:[{visitorId:"v", type: SCROLL}]){ accepted } }', { s })],
      ['wrong enum in variables', () => gql('mutation($s:ID!,$e:[EventInput!]!){ trackEvents(storeId:$s, events:$e){ accepted } }', { s, e: [{ visitorId: 'v', type: 'SCROLL' }] })],
      ['huge first', () => gql('query($s:ID!){ customers(storeId:$s, first: 1000000){ totalCount } }', { s })],
      ['negative first', () => gql('query($s:ID!){ customers(storeId:$s, first: -1){ totalCount } }', { s })],
      ['first beyond Int', () => gql('query($s:ID!){ customers(storeId:$s, first: 99999999999){ totalCount } }', { s })],
      ['wrong variable type', () => gql('query($s:ID!,$n:Int){ customers(storeId:$s, first:$n){ totalCount } }', { s, n: 'ten' })],
      ['oversized batch', () => gql(UPSERT_CUSTOMERS, { s, c: Array.from({ length: 1001 }, (_, i) => ({ id: `b${i}` })) })],
      ['anonymous introspection', () => gql('{ __schema { types { name } } }', undefined, null)],
      ['anonymous query with a typo (no suggestions)', () => gql('{ viewr { apiKeyId } }', undefined, null)],
      ['bad key', () => gql('{ viewer { apiKeyId } }', undefined, "pgw_' OR 1=1 --")],
      ['null bytes', () => gql('query($s:ID!,$q:String!){ customer(storeId:$s, idOrEmail:$q){ id } }', { s, q: 'a\u0000@example.com' })],
      ['directive flood', () => gql(`{ viewer { apiKeyId ${'@include(if: true) '.repeat(50)} } }`)],
    ];
    for (const [name, send] of corpus) expectHandled(name, await send());
    expect(await snapshot()).toEqual(before);
  });

  it('reveals nothing to anonymous callers: no introspection, no field suggestions', async () => {
    for (const q of ['{ __schema { types { name } } }', '{ viewr { apiKeyId } }']) {
      const r = await gql(q, undefined, null);
      expect(r.status).toBe(401);
      expect(r.text).not.toMatch(/Did you mean|__Schema|Query/);
      expect(JSON.parse(r.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('keeps introspection for authenticated keys (the playground needs it)', async () => {
    const r = ok(await t.gql(a.key, '{ __schema { queryType { name } } }'));
    expect(r.__schema.queryType.name).toBe('Query');
  });

  it('hides the limits when it refuses a query', async () => {
    const r = await gql(`query { ${Array.from({ length: 100 }, (_, i) => `a${i}: viewer { apiKeyId }`).join(' ')} }`);
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/\b(15|100)\b/);
    const tokens = await gql(`{ viewer { ${'apiKeyId '.repeat(QUERY_LIMITS.maxTokens)} } }`);
    expect(tokens.text).not.toContain(String(QUERY_LIMITS.maxTokens));
  });

  it('lets every playground example and the promised operations through the limits', async () => {
    for (const ex of playgroundExamples(a.storeIds[0], 'jose@example.com')) {
      const r = await t.gql(a.key, ex.query, ex.variables);
      for (const e of r.errors ?? []) expect([ex.title, e.extensions?.code]).not.toEqual([ex.title, 'GRAPHQL_VALIDATION_FAILED']);
    }
    const apiMd = `{ company { id name stores { id name } gdprDashboard {
      subProcessors { subProcessor { id name purpose location } inUse }
      stores { store { id name } browsingHistory purchasePreferences emailAddress orderHistory crm } } } }`;
    ok(await t.gql(a.key, apiMd));
  });
});
