import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { createSchema, printSchemaSdl } from '../src/schema';

describe('schema', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await createSchema();
  });

  it('matches the committed schema.graphql (run `npm run schema` after changing the API)', () => {
    expect(printSchemaSdl(schema)).toBe(readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8'));
  });

  it('describes every type, field, argument and enum value (it is the playground\'s documentation)', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
      if (isScalarType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it('keeps every operation name promised in shared/api.md', () => {
    const promised = {
      Query: ['viewer', 'company', 'store', 'stores', 'customer', 'customers', 'orders', 'visitor', 'apiKeys'],
      Mutation: ['createCompany', 'createStore', 'updateStoreSettings', 'createApiKey', 'revokeApiKey', 'upsertCustomers', 'trackEvents', 'upsertOrders'],
    };
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(promised.Query));
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(expect.arrayContaining(promised.Mutation));
  });
});
