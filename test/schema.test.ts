import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
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

  it('resolves plain fields with graphql\'s default resolver, and every authorized field through type-graphql', () => {
    // plainFieldsAsSimple (src/schema.ts): a field marked simple has no resolver of its own. A
    // field with @Authorized or a middleware must keep one, or its check would be skipped.
    const byTypeAndField = new Map(getMetadataStorage().fields.map((f) => [`${(f.target as { name: string }).name}.${f.schemaName}`, f]));
    const unchecked: string[] = [];
    let simple = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const meta = byTypeAndField.get(`${type.name}.${field.name}`);
        if (!field.resolve) {
          simple++;
          if (meta && (meta.roles !== undefined || meta.middlewares?.length)) unchecked.push(`${type.name}.${field.name}`);
        }
      }
    }
    expect(unchecked).toEqual([]);
    expect(simple).toBeGreaterThan(50);
    // Withheld personal fields are field resolvers with @Authorized: wrapped; plain ones are not.
    const customer = schema.getType('Customer');
    const order = schema.getType('Order');
    expect(isObjectType(customer) && customer.getFields().email.resolve).toBeInstanceOf(Function);
    expect(isObjectType(order) && order.getFields().id.resolve).toBeUndefined();
  });
});
