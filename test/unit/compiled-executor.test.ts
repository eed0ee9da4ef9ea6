import { ApolloServer } from '@apollo/server';
import {
  GraphQLEnumType,
  GraphQLID,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
} from 'graphql';
import { compiledExecutor, expandedFieldCount, MAX_COMPILED_FIELDS, MAX_DOCUMENT_FIELDS } from '../../src/http/compiled-executor';
import { formatError } from '../../src/http/format-error';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../../src/errors';
import { ConfigError, loadConfig } from '../../src/config';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The compiled executor (graphql-jit) answers exactly as graphql-js does: each document below runs
 * through one Apollo server that never compiles and one that compiles from the first execution,
 * both with the gateway's formatError, and the responses (status and body) must be equal. The
 * documents cover what differs between the two executors inside: errors of every kind thrown or
 * rejected by resolvers, null in non-null positions, lists, abstract types, fragments,
 * directives, aliases, variables good and bad, serialization failures.
 */
const driverError = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
class QueryFailed extends Error {
  constructor(readonly driverError: Error) {
    super(driverError.message);
  }
}

const Kind = new GraphQLEnumType({ name: 'Kind', values: { A: { value: 'a' }, B: { value: 'b' } } });
const Node = new GraphQLInterfaceType({ name: 'Node', fields: { id: { type: new GraphQLNonNull(GraphQLID) } } });
const Order = new GraphQLObjectType({
  name: 'Order',
  interfaces: [Node],
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'total' in v,
  fields: { id: { type: new GraphQLNonNull(GraphQLID) }, total: { type: GraphQLInt } },
});
const Person: GraphQLObjectType = new GraphQLObjectType({
  name: 'Person',
  interfaces: [Node],
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'email' in v,
  fields: () => ({
    id: { type: new GraphQLNonNull(GraphQLID) },
    email: { type: GraphQLString },
    kind: { type: Kind, resolve: (p) => p.kind },
    secret: { type: GraphQLString, resolve: () => { throw new ForbiddenError(); } },
    strictSecret: { type: new GraphQLNonNull(GraphQLString), resolve: async () => { throw new ForbiddenError(); } },
    orders: {
      type: new GraphQLList(new GraphQLNonNull(Order)),
      args: { first: { type: GraphQLInt } },
      resolve: (p, { first }) => p.orders.slice(0, first ?? undefined),
    },
    flakyOrders: {
      type: new GraphQLList(Order),
      resolve: (p) => p.orders.map((o: { id: string }, i: number) => (i === 1 ? Promise.reject(new QueryFailed(driverError())) : o)),
    },
    friend: { type: Person, resolve: () => null },
  }),
});

const people: Record<string, unknown> = {
  p1: { id: 'p1', email: 'a@example.dk', kind: 'a', orders: [{ id: 'o1', total: 3 }, { id: 'o2', total: 5 }, { id: 'o3', total: null }] },
  p2: { id: 'p2', email: null, kind: 'zzz', orders: [{ id: 'o4', total: 1 }, { id: null, total: 2 }] },
};

const schema = new GraphQLSchema({
  types: [Order, Person],
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      person: { type: Person, args: { id: { type: new GraphQLNonNull(GraphQLID) } }, resolve: async (_s, { id }) => people[id] ?? Promise.reject(new NotFoundError('Person')) },
      node: { type: Node, args: { id: { type: new GraphQLNonNull(GraphQLID) } }, resolve: (_s, { id }) => people[id] ?? (people.p1 as { orders: unknown[] }).orders.find((o) => (o as { id: string }).id === id) },
      people: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Person))), args: { ids: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) } }, resolve: (_s, { ids }) => ids.map((id: string) => people[id] ?? null) },
      down: { type: GraphQLString, resolve: async () => { throw new QueryFailed(driverError()); } },
      downPlain: { type: GraphQLString, resolve: () => Promise.reject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }) },
      bug: { type: GraphQLString, resolve: () => { throw new TypeError('x is undefined'); } },
      strictBug: { type: new GraphQLNonNull(GraphQLString), resolve: () => { throw new TypeError('x is undefined'); } },
      nobody: { type: GraphQLString, resolve: () => { throw new UnauthenticatedError(); } },
      badInt: { type: GraphQLInt, resolve: () => 'not a number' },
      echo: { type: GraphQLString, args: { n: { type: new GraphQLNonNull(GraphQLInt) }, k: { type: Kind } }, resolve: (_s, { n, k }) => `${n}:${k}` },
    },
  }),
});

// Always three items: jest's it.each takes a callback with more parameters than items for a `done` style test.
const documents: [string, string, Record<string, unknown> | undefined][] = [
  ['plain fields, aliases, arguments', '{ person(id: "p1") { id email kind a: orders(first: 2) { id total } all: orders { total } } }', undefined],
  ['a coded error, a nullable field', '{ person(id: "nope") { id } echo(n: 1) }', undefined],
  ['a coded error thrown on a nullable field', '{ person(id: "p1") { id secret } }', undefined],
  ['a coded error on a non-null field nulls the parent', '{ person(id: "p1") { id strictSecret } echo(n: 2) }', undefined],
  ['a database outage (a wrapped driver error)', '{ down echo(n: 3) }', undefined],
  ['a database outage (a rejected plain object)', '{ downPlain }', undefined],
  ['a bug: masked, with the request ID', '{ bug }', undefined],
  ['a bug on a non-null root field nulls data', '{ strictBug }', undefined],
  ['UNAUTHENTICATED and its HTTP status', '{ nobody }', undefined],
  ['null in a list of non-null', '{ person(id: "p2") { orders { id total } } }', undefined],
  ['a rejected list item', '{ person(id: "p1") { flakyOrders { id } } }', undefined],
  ['a non-null list whose item is null bubbles to data', '{ people(ids: ["p1", "zz"]) { id } }', undefined],
  ['an enum value that does not serialize', '{ person(id: "p2") { id kind } }', undefined],
  ['an Int that does not serialize', '{ badInt }', undefined],
  ['abstract types, inline and named fragments, __typename', '{ a: node(id: "p1") { __typename id ...P } b: node(id: "o2") { __typename ... on Order { total } } } fragment P on Person { email friend { id } }', undefined],
  ['@skip and @include by variables', 'query($s: Boolean!, $i: Boolean!) { person(id: "p1") { id email @skip(if: $s) kind @include(if: $i) } }', { s: true, i: false }],
  ['variables: good', 'query($n: Int!, $k: Kind) { echo(n: $n, k: $k) }', { n: 7, k: 'B' }],
  ['variables: wrong type', 'query($n: Int!) { echo(n: $n) }', { n: 'seven' }],
  ['variables: missing', 'query($n: Int!) { echo(n: $n) }', {}],
  ['variables: bad enum and a list', 'query($k: Kind, $ids: [ID!]) { echo(n: 1, k: $k) people(ids: $ids) { id } }', { k: 'C', ids: ['p1', null] }],
  ['two operations, one named', 'query A { echo(n: 1) } query B { echo(n: 2) }', undefined],
];

describe('the compiled executor answers as graphql-js does', () => {
  const servers: ApolloServer[] = [];
  const executors = new Map<ApolloServer, ReturnType<typeof compiledExecutor>>();
  const serve = async (compileAfter: number | null) => {
    const gateway = compiledExecutor(schema, { compileAfter });
    const apollo = new ApolloServer({
      gateway,
      formatError,
      includeStacktraceInErrorResponses: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      plugins: [
        {
          async requestDidStart() {
            return {
              async willSendResponse({ response }) {
                // As the gateway's logging plugin does (server.ts).
                if (response.body.kind === 'single') for (const e of response.body.singleResult.errors ?? []) if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') (e.extensions as Record<string, unknown>).requestId = 'r';
              },
            };
          },
        },
      ],
    });
    await apollo.start();
    servers.push(apollo);
    executors.set(apollo, gateway);
    return apollo;
  };
  let interpreted: ApolloServer;
  let compiled: ApolloServer;
  beforeAll(async () => {
    interpreted = await serve(null);
    compiled = await serve(0);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const run = async (apollo: ApolloServer, query: string, variables?: Record<string, unknown>, operationName?: string) => {
    const r = await apollo.executeOperation({ query, variables, operationName });
    if (r.body.kind !== 'single') throw new Error('expected a single result');
    return { status: r.http.status ?? 200, body: JSON.parse(JSON.stringify(r.body.singleResult)) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  };

  it.each(documents)('%s', async (_name, query, variables) => {
    const operationName = query.startsWith('query A') ? 'B' : undefined;
    const expected = await run(interpreted, query, variables, operationName);
    // Twice: the first compiles, the second runs the kept compiled query.
    expect(await run(compiled, query, variables, operationName)).toEqual(expected);
    expect(await run(compiled, query, variables, operationName)).toEqual(expected);
  });

  it('keeps the codes the gateway promises (not only equality)', async () => {
    const codes = async (q: string, v?: Record<string, unknown>) => (await run(compiled, q, v)).body.errors?.map((e) => e.extensions?.code);
    expect(await codes('{ down echo(n: 3) }')).toEqual(['SERVICE_UNAVAILABLE']);
    expect(await codes('{ downPlain }')).toEqual(['SERVICE_UNAVAILABLE']);
    expect(await codes('{ bug }')).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(await codes('{ person(id: "p1") { strictSecret } }')).toEqual(['FORBIDDEN']);
    expect(await codes('query($n: Int!) { echo(n: $n) }', { n: 'x' })).toEqual(['BAD_USER_INPUT']);
    expect((await run(compiled, '{ nobody }')).status).toBe(401);
    const masked = await run(compiled, '{ bug }');
    expect(JSON.stringify(masked.body)).not.toContain('undefined');
  });

  it('compiles a document only after GRAPHQL_COMPILE_AFTER executions, with the same answers before and after', async () => {
    const apollo = await serve(2);
    const q = '{ person(id: "p1") { id a: orders(first: 1) { id } } down }';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await run(apollo, q));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0].body.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });

  it('keeps compiled code bounded in fields; a document over the bound runs through graphql-js', async () => {
    const apollo = await serve(0);
    const executor = executors.get(apollo)!;
    const huge = `{ ${Array.from({ length: MAX_DOCUMENT_FIELDS + 1 }, (_, i) => `f${i}: echo(n: ${i})`).join(' ')} }`;
    expect(expandedFieldCount(parse(huge))).toBe(MAX_DOCUMENT_FIELDS + 1);
    const answer = await run(apollo, huge, undefined);
    expect(answer).toEqual(await run(interpreted, huge, undefined));
    expect(executor.compiledDocuments()).toBe(0);
    // Documents of 50 fields each: the cache keeps at most MAX_COMPILED_FIELDS' worth of them.
    const doc = (k: number) => `{ ${Array.from({ length: 50 }, (_, i) => `d${k}f${i}: echo(n: ${i})`).join(' ')} }`;
    const n = MAX_COMPILED_FIELDS / 50 + 20;
    for (let k = 0; k < n; k++) await run(apollo, doc(k), undefined);
    expect(executor.compiledDocuments()).toBe(MAX_COMPILED_FIELDS / 50);
    // The most recent is kept, and answers as before.
    expect(await run(apollo, doc(n - 1), undefined)).toEqual(await run(interpreted, doc(n - 1), undefined));
  });

  it('counts fragments where they are spread, once per selection set', () => {
    expect(expandedFieldCount(parse('{ person(id: "p1") { ...P ...P friend { ...P } } } fragment P on Person { id email }'))).toBe(6);
    // A fragment spread twice in each of 30 levels is still linear, as the executors collect it.
    let frags = 'fragment F0 on Query { echo(n: 1) }';
    for (let i = 1; i <= 30; i++) frags += ` fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`;
    expect(expandedFieldCount(parse(`{ ...F30 } ${frags}`))).toBe(1);
  });
});

describe('GRAPHQL_COMPILE_AFTER', () => {
  const DIR = join(tmpdir(), 'pgw-compile-after-config');
  it.each([
    [undefined, 1],
    ['0', 0],
    ['25', 25],
    ['off', null],
  ])('reads %p as %p', (value, expected) => {
    expect(loadConfig({ DATA_DIR: DIR, ...(value === undefined ? {} : { GRAPHQL_COMPILE_AFTER: value }) }).graphqlCompileAfter).toBe(expected);
  });
  it.each(['-1', 'never', '1.5', '1e3', '9999999', ' 1'])('refuses %p, naming the variable and the rule', (value) => {
    expect(() => loadConfig({ DATA_DIR: DIR, GRAPHQL_COMPILE_AFTER: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: DIR, GRAPHQL_COMPILE_AFTER: value })).toThrow(/GRAPHQL_COMPILE_AFTER: expected a count of executions/);
  });
});
