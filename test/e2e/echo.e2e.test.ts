import {
  getNamedType,
  getNullableType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLSchema,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { createSchema } from '../../src/schema';
import { ENGINES, startTestGateway, TestGateway } from '../support/gateway';
import { createTenant, Tenant } from '../support/fixtures';

/** Personal-looking values: none may come back in any error message. */
const EMAIL = 'zq9mark@x.com';
const NAME = 'Zq9 Markussen';
const PHONE = '+45 2299 1188';
const NEEDLES = [EMAIL, 'zq9mark', 'markussen', '2299 1188', '2299'];

/** A well-typed value for a type, so that only the argument under test is wrong. */
function plausible(type: GraphQLInputType, storeId: string): unknown {
  const t = getNullableType(type);
  if (isListType(t)) return [plausible(t.ofType, storeId)];
  if (isEnumType(t)) return t.getValues()[0].name;
  if (isInputObjectType(t)) {
    return Object.fromEntries(Object.values(t.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, plausible(f.type, storeId)]));
  }
  switch (getNamedType(t).name) {
    case 'Int': return 1;
    case 'Float': return 1.5;
    case 'Boolean': return true;
    case 'DateTime': return '2024-01-01T00:00:00Z';
    case 'JSONObject': return {};
    case 'ID': return storeId;
    default: return 'x';
  }
}

/** Values of the wrong shape for a type, each carrying personal data. */
function hostile(type: GraphQLInputType, storeId: string): unknown[] {
  const t = getNullableType(type);
  if (isListType(t)) return [...hostile(t.ofType, storeId).map((v) => [v]), EMAIL];
  if (isEnumType(t)) return [EMAIL, NAME, 'ZQ9MARK'];
  if (isInputObjectType(t)) {
    const base = plausible(t, storeId) as Record<string, unknown>;
    const out: unknown[] = [EMAIL, { ...base, emial: EMAIL }, { ...base, [EMAIL]: NAME }, { ...base, [NAME]: PHONE }];
    for (const f of Object.values(t.getFields())) for (const v of hostile(f.type, storeId)) out.push({ ...base, [f.name]: v });
    return out;
  }
  switch (getNamedType(t).name) {
    case 'Int': return [EMAIL, PHONE, 1e12, 1.5, { v: EMAIL }];
    case 'Float': return [EMAIL, PHONE, { v: EMAIL }];
    case 'Boolean': return [EMAIL, NAME];
    case 'DateTime': return [EMAIL, `2024-13-45T99:00:00Z ${NAME}`, '2024-02-30', { at: PHONE }];
    case 'JSONObject': return [EMAIL, [EMAIL, NAME], 12];
    default: return [{ v: EMAIL }, [NAME, PHONE], { [EMAIL]: 1 }];
  }
}

/** A GraphQL literal for a JSON value (object keys as sent, even when they are not names). */
function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${literal(x)}`).join(', ')} }`;
  return JSON.stringify(v);
}

interface Case {
  label: string;
  query: string;
  variables: Record<string, unknown>;
}

function selection(field: GraphQLField<unknown, unknown>): string {
  return isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
}

/** Every argument of every root field, sent wrong through variables and as literals. */
function cases(schema: GraphQLSchema, storeId: string): Case[] {
  const out: Case[] = [];
  for (const [kind, root] of [['query', schema.getQueryType()!], ['mutation', schema.getMutationType()!]] as const) {
    for (const field of Object.values(root.getFields())) {
      for (const arg of field.args) {
        const others = field.args.filter((a) => a !== arg && isNonNullType(a.type));
        const defs = (target: GraphQLArgument) => [target, ...others].map((a) => `$${a.name}: ${a.type}`).join(', ');
        const otherVars = Object.fromEntries(others.map((a) => [a.name, plausible(a.type, storeId)]));
        const otherArgs = others.map((a) => `${a.name}: $${a.name}`);
        for (const v of hostile(arg.type, storeId)) {
          out.push({
            label: `${field.name}(${arg.name}) variable ${JSON.stringify(v).slice(0, 60)}`,
            query: `${kind}(${defs(arg)}) { ${field.name}(${[`${arg.name}: $${arg.name}`, ...otherArgs].join(', ')})${selection(field)} }`,
            variables: { ...otherVars, [arg.name]: v },
          });
          if (typeof v === 'object' && v !== null && Object.keys(v).some((k) => !/^[_A-Za-z]\w*$/.test(k))) continue; // not writable as a literal
          const otherDefs = others.map((a) => `$${a.name}: ${a.type}`).join(', ');
          out.push({
            label: `${field.name}(${arg.name}) literal ${literal(v).slice(0, 60)}`,
            query: `${kind}${otherDefs ? `(${otherDefs})` : ''} { ${field.name}(${[`${arg.name}: ${literal(v)}`, ...otherArgs].join(', ')})${selection(field)} }`,
            variables: otherVars,
          });
        }
        // Well-typed personal values where the argument takes text: the resolver's own errors.
        if (isScalarType(getNamedType(arg.type)) && ['String', 'ID'].includes(getNamedType(arg.type).name) && !isListType(getNullableType(arg.type))) {
          out.push({
            label: `${field.name}(${arg.name}) well-typed`,
            query: `${kind}(${defs(arg)}) { ${field.name}(${[`${arg.name}: $${arg.name}`, ...otherArgs].join(', ')})${selection(field)} }`,
            variables: { ...otherVars, [arg.name]: `${NAME} <${EMAIL}> ${PHONE}` },
          });
        }
      }
    }
  }
  return out;
}

describe.each(ENGINES)('error messages never carry an input value [%s]', (engine) => {
  let t: TestGateway;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestGateway(engine, { RATE_LIMIT_PER_MINUTE: '100000' });
    a = await createTenant(t, 'Echo');
  });
  afterAll(() => t?.close());

  it('sends personal-looking values through every argument and input field of the schema, and finds none in any error', async () => {
    const all = cases(await createSchema(), a.storeIds[0]);
    expect(all.length).toBeGreaterThan(300);
    const leaks: string[] = [];
    const unhandled: string[] = [];
    let errors = 0;
    for (const c of all) {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.key}` }, body: JSON.stringify({ query: c.query, variables: c.variables }) });
      const text = await res.text();
      const body = JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] };
      for (const e of body.errors ?? []) {
        errors++;
        if (NEEDLES.some((n) => e.message.toLowerCase().includes(n))) leaks.push(`${c.label}: ${e.message}`);
        if (!e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR') unhandled.push(`${c.label}: ${e.message}`);
      }
      const errorsText = JSON.stringify(body.errors ?? []);
      if (NEEDLES.some((n) => errorsText.toLowerCase().includes(n))) leaks.push(`${c.label}: errors ${errorsText.slice(0, 300)}`);
    }
    expect(errors).toBeGreaterThan(300);
    expect(leaks).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('names the variable or argument, the path and the rule instead', async () => {
    const s = a.storeIds[0];
    const message = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await t.gql(a.key, query, { s, ...variables });
      return r.errors?.map((e) => `${e.extensions?.code}: ${e.message}`);
    };
    const customers = 'mutation($s:ID!,$c:[CustomerInput!]!){ upsertCustomers(storeId:$s, customers:$c){ accepted } }';
    const events = 'mutation($s:ID!,$e:[EventInput!]!){ trackEvents(storeId:$s, events:$e){ accepted } }';
    expect([
      await message(customers, { c: [{ id: 'x1', emial: EMAIL }] }),
      await message(customers, { c: [{ id: 'x1', [EMAIL]: NAME }] }),
      await message(customers, { c: [{ id: { v: EMAIL } }] }),
      await message(events, { e: [{ visitorId: 'v', type: EMAIL }] }),
      await message(events, { e: [{ visitorId: 'v', type: 'PAGE_VIEW', occurredAt: `2024-13-45 ${EMAIL}` }] }),
      await message('mutation($s:ID!){ upsertCustomers(storeId:$s, customers:[{ id: "x1", emial: "zq9mark@x.com" }]){ accepted } }'),
      await message('mutation($s:ID!){ trackEvents(storeId:$s, events:[{ visitorId: "v", type: PAGE_VIEW }, { visitorId: "v", type: PAGE_VIEW, occurredAt: "zq9mark@x.com" }]){ accepted } }'),
      await message('mutation($s:ID!){ trackEvents(storeId:$s, events:[{ visitorId: "v", type: ZQ9MARK }]){ accepted } }'),
      await message('query($s:ID!){ customer(storeId:$s, idOrEmail: { v: "zq9mark@x.com" }){ id } }'),
      await message('mutation($s:ID!){ updateStoreSettings(storeId:$s, settings:{ products: ["zq9mark@x.com"] }){ id } }'),
      await message('query($s:ID!){ customer(storeId:$s "zq9mark@x.com"){ id } }'),
      await message('query($s:ID!){ customer(storeId:$s, idOrEmail: "x") { id nickname } }'),
      await message('query{ customer(idOrEmail: "zq9mark@x.com") { id } }'),
    ]).toEqual([
      ['BAD_USER_INPUT: Variable "$c" at "c[0]" got an invalid value: field "emial" is not defined by type "CustomerInput".'],
      ['BAD_USER_INPUT: Variable "$c" at "c[0]" got an invalid value: an unknown field is not defined by type "CustomerInput".'],
      ['BAD_USER_INPUT: Variable "$c" at "c[0].id" got an invalid value: must be an ID (a string or a whole number).'],
      ['BAD_USER_INPUT: Variable "$e" at "e[0].type" got an invalid value: must be one of the values of the enum "EventType".'],
      ['BAD_USER_INPUT: Variable "$e" at "e[0].occurredAt" got an invalid value: must be a DateTime (ISO 8601, e.g. 2024-05-01T12:00:00Z).'],
      ['GRAPHQL_VALIDATION_FAILED: Argument "customers[0]": Field "emial" is not defined by type "CustomerInput".'],
      ['GRAPHQL_VALIDATION_FAILED: Argument "events[1].occurredAt" has an invalid value: must be a DateTime (ISO 8601, e.g. 2024-05-01T12:00:00Z).'],
      ['GRAPHQL_VALIDATION_FAILED: Argument "events[0].type" has an invalid value: must be one of the values of the enum "EventType".'],
      ['GRAPHQL_VALIDATION_FAILED: Argument "idOrEmail" has an invalid value: must be a String.'],
      ['BAD_USER_INPUT: settings.products[0]: each product must be one of recommendations, search, email, audience, chat'],
      ['GRAPHQL_PARSE_FAILED: Syntax Error: Expected Name, found String.'],
      // Messages that carry no value pass unchanged.
      ['GRAPHQL_VALIDATION_FAILED: Cannot query field "nickname" on type "Customer". Did you mean "name"?'],
      ['GRAPHQL_VALIDATION_FAILED: Field "customer" argument "storeId" of type "ID!" is required, but it was not provided.'],
    ]);
  });
});
