import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { DocumentNode, execute, ExecutionResult, getNullableType, getVariableValues, GraphQLError, GraphQLFieldResolver, GraphQLSchema, isListType, isObjectType } from 'graphql';
import { toError } from 'graphql/jsutils/toError';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type GatewayInterface = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/** Most documents kept compiled at once (the least recently used is dropped, and compiled again if it comes back). */
export const MAX_COMPILED_DOCUMENTS = 1000;

export interface CompiledExecutorOptions {
  /**
   * Executions of a document by graphql-js before it is compiled (GRAPHQL_COMPILE_AFTER):
   * 0 compiles on first use, null never compiles.
   */
  compileAfter: number | null;
}

/**
 * Hot documents run as compiled JavaScript (graphql-jit) instead of through graphql-js's
 * interpreter: per field, no argument map, resolve-info or path objects are built when nothing
 * asks for them (a third less allocation per profile read, bench/PROFILE.md).
 *
 * Apollo Server has one place to replace its executor: the gateway interface, whose `load` hands
 * back an executor and whose schema is this process's own. Parsing, validation, the plugins'
 * hooks, error formatting, the audit entry and the response stay Apollo's.
 *
 * What the client sees does not depend on which executor ran (test/unit/compiled-executor.test.ts
 * runs the same documents through both): variables are coerced by graphql-js first, so a bad one
 * gets graphql-js's error (Apollo's BAD_USER_INPUT); field errors come back as graphql-js errors
 * with the same message, locations, path, cause and extensions.
 */
export function compiledExecutor(schema: GraphQLSchema, options: CompiledExecutorOptions): GatewayInterface {
  settleListItems(schema);
  // Apollo keeps one DocumentNode per query text (its bounded document store), so a document's
  // identity is its text: counted weakly, compiled into a bounded cache.
  const runs = new WeakMap<DocumentNode, number>();
  const compiled = new LRUCache<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>({ max: MAX_COMPILED_DOCUMENTS });

  const compiledFor = (document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let c = byName.get(key);
    if (!c) byName.set(key, (c = compileQuery(schema, document, operationName ?? undefined)));
    return c;
  };

  const executor: GatewayExecutor = async ({ document, operationName, operation, request, context }) => {
    const variableValues = request.variables ?? {};
    const n = runs.get(document) ?? 0;
    if (options.compileAfter === null || n < options.compileAfter) {
      runs.set(document, n + 1);
      return execute({ schema, document, contextValue: context, variableValues, operationName });
    }
    const c = compiledFor(document, operationName);
    // Compilation refused the document (it cannot, once Apollo validated it): graphql-js decides.
    if (!isCompiledQuery(c)) return execute({ schema, document, contextValue: context, variableValues, operationName });
    const checked = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues, { maxErrors: 50 });
    if (checked.errors) return { errors: checked.errors };
    const result = await c.query(undefined, context, variableValues);
    return result.errors ? { ...result, errors: result.errors.map(asGraphqlJsError) } : result;
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    load: async () => ({ executor }),
    stop: async () => {
      compiled.clear();
    },
  };
}

/**
 * graphql-jit's errors are its own objects: `extensions` is undefined when the cause has none
 * (Apollo reads `extensions.code` of every error and would answer "Internal server error" for a
 * database outage instead of SERVICE_UNAVAILABLE), and they carry no AST nodes. Rebuilt as
 * graphql-js errors, as graphql-js's executor would have made them.
 */
function asGraphqlJsError(e: GraphQLError): GraphQLError {
  const out = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
  // graphql-js computes locations from nodes, which compiled code no longer has; they are the same places.
  if (e.locations) (out as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return out;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';
const settled = new WeakSet<GraphQLFieldResolver<unknown, unknown>>();

/**
 * graphql-jit 0.8 mishandles a list whose items are promises when one of them rejects: it appends
 * a null instead of setting the item's own (the list grows by one). Every list field with a
 * resolver therefore hands its executor the items already settled, a rejected one as the error
 * value in its place, which both executors report at that item's path with a null there, as
 * graphql-js does for a rejected item. A list without promises in it passes as it is (one scan).
 */
function settleListItems(schema: GraphQLSchema): void {
  const settle = (items: unknown): unknown => {
    if (!Array.isArray(items) || !items.some(isThenable)) return items;
    return Promise.all(items.map((item) => (isThenable(item) ? Promise.resolve(item).catch(toError) : item)));
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || settled.has(resolve) || !isListType(getNullableType(field.type))) continue;
      field.resolve = (source, args, context, info) => {
        const result = resolve(source, args, context, info);
        return isThenable(result) ? Promise.resolve(result).then(settle) : settle(result);
      };
      settled.add(field.resolve);
    }
  }
}
