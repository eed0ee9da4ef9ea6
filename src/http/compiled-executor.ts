import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  DocumentNode,
  execute,
  ExecutionResult,
  FragmentDefinitionNode,
  getNullableType,
  getVariableValues,
  GraphQLError,
  GraphQLFieldResolver,
  GraphQLSchema,
  isListType,
  isObjectType,
  Kind,
  SelectionSetNode,
} from 'graphql';
import { toError } from 'graphql/jsutils/toError';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

type GatewayInterface = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/**
 * Bounds on compiled code, counted in fields (expandedFieldCount; about 4-6 KiB of heap each):
 * all documents kept compiled together (the least recently used is dropped, and compiled again if
 * it comes back), and one document, above which it always runs through graphql-js.
 */
export const MAX_COMPILED_FIELDS = 10_000;
export const MAX_DOCUMENT_FIELDS = 1_000;
const MAX_COMPILED_DOCUMENTS = 1_000;

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
export function compiledExecutor(schema: GraphQLSchema, options: CompiledExecutorOptions): GatewayInterface & { compiledDocuments(): number } {
  settleListItems(schema);
  // Apollo keeps one DocumentNode per query text (its bounded document store), so a document's
  // identity is its text: counted and measured weakly, compiled into a cache bounded in fields.
  const runs = new WeakMap<DocumentNode, number>();
  const fields = new WeakMap<DocumentNode, number>();
  const fieldsOf = (document: DocumentNode): number => {
    let n = fields.get(document);
    if (n === undefined) fields.set(document, (n = expandedFieldCount(document)));
    return n;
  };
  const compiled = new LRUCache<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>({
    max: MAX_COMPILED_DOCUMENTS,
    maxSize: MAX_COMPILED_FIELDS,
    sizeCalculation: (_byName, document) => Math.max(1, fieldsOf(document)),
  });

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
    const interpreted = () => execute({ schema, document, contextValue: context, variableValues, operationName });
    const n = runs.get(document) ?? 0;
    if (options.compileAfter === null || n < options.compileAfter || fieldsOf(document) > MAX_DOCUMENT_FIELDS) {
      runs.set(document, n + 1);
      return interpreted();
    }
    const c = compiledFor(document, operationName);
    // Compilation refused the document (it cannot, once Apollo validated it): graphql-js decides.
    if (!isCompiledQuery(c)) return interpreted();
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
    compiledDocuments: () => compiled.size,
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

/**
 * Fields a document's compiled code is made of: every field of every operation, fragments spread
 * where they are used (once per selection set, as graphql-jit and graphql-js collect them). The
 * compiled code's size grows with it (about 4-6 KiB of heap per field: 120 KiB for the profile
 * query, 1.3 MiB for GraphiQL's introspection query).
 */
export function expandedFieldCount(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const count = (set: SelectionSetNode, depth: number): number => {
    // Validation has refused fragment cycles; the depth guard keeps a bad document from looping all the same.
    if (depth > 64) return 0;
    const visited = new Set<string>();
    let n = 0;
    const walk = (s: SelectionSetNode) => {
      for (const sel of s.selections) {
        if (sel.kind === Kind.FIELD) n += 1 + (sel.selectionSet ? count(sel.selectionSet, depth + 1) : 0);
        else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
        else if (!visited.has(sel.name.value)) {
          visited.add(sel.name.value);
          const f = fragments.get(sel.name.value);
          if (f) walk(f.selectionSet);
        }
      }
    };
    walk(set);
    return n;
  };
  let total = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += count(d.selectionSet, 0);
  return total;
}
