import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLObjectType,
  GraphQLSchema,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
  visit,
} from 'graphql';
import type { Context } from '../context';
import { BadUserInputError, QueryLimitError } from '../errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination/cursor';

/**
 * The cost limit: an estimate of how many values a query can return, computed once the
 * operation and its variables are known, so `first: $c` with `$c = 100` costs exactly what
 * `first: 100` does. Every field counts once per parent it is resolved for; a page multiplies
 * what is below it by its `first` (default 20), any other list by `LIST_ESTIMATE`.
 * Introspection is free (the playground's docs need it).
 *
 * `customers(first:10){ … orders(first:20){ … lines { productId } } }` costs about 2,600;
 * the same with `first: 100` twice about 130,000.
 */
export const MAX_QUERY_COST = 50_000;
/** Items assumed in a list that takes no `first` (an order's lines, a customer's visitors). */
export const LIST_ESTIMATE = 10;

const COST_MESSAGE = 'Query rejected: it is above the cost limit (the values it may return). Ask for smaller pages (`first`) or fewer nested lists.';

export function queryCostPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation) checkQuery(schema, document, operation, request.variables ?? {});
        },
      };
    },
  };
}

/**
 * The values of every argument named `first` in the document, in document order. Apollo keeps
 * one parsed document per query text, so the walk over the whole document (an allocation-heavy
 * `visit`, ~35 KiB per profile read: bench/PROFILE.md round three) runs once per text, not per
 * request; the values (variables) are still checked per request.
 */
const firstArgumentsOf = new WeakMap<DocumentNode, ValueNode[]>();
function firstArguments(document: DocumentNode): ValueNode[] {
  let found = firstArgumentsOf.get(document);
  if (!found) {
    const values: ValueNode[] = [];
    visit(document, {
      Argument(arg) {
        if (arg.name.value === 'first') values.push(arg.value);
      },
    });
    firstArgumentsOf.set(document, (found = values));
  }
  return found;
}

/** Throws BAD_USER_INPUT for a page size outside 0–100, or a query-limit error above the cost limit. */
export function checkQuery(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): void {
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  const intValue = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.FLOAT) return Number(node.value);
    if (node.kind === Kind.NULL) return null;
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (Object.prototype.hasOwnProperty.call(variables, name)) return variables[name];
      const d = defaults.get(name);
      return d ? intValue(d) : undefined;
    }
    return undefined;
  };

  // Page sizes first, wherever they are (fragments included): the error names the argument.
  const pages: unknown[] = [];
  for (const value of firstArguments(document)) {
    const v = intValue(value);
    if (typeof v === 'number' && !(Number.isInteger(v) && v >= 0 && v <= MAX_PAGE_SIZE)) {
      throw new BadUserInputError(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}`, { http: { status: 400 } });
    }
    pages.push(v);
  }
  // The cost depends on the operation and its page sizes only: an operation already found
  // within the limit with these page sizes is not walked again (a hot document's requests).
  // Only page sizes that are numbers or absent make a key (anything else is refused later by
  // variable coercion, after this walk, as before).
  const key = pages.every((v) => v == null || typeof v === 'number') ? pages.map((v) => (v == null ? '' : String(v))).join(',') : null;
  let within = withinLimit.get(operation);
  if (key !== null && within?.has(key)) return;

  const root = schema.getRootType(operation.operation);
  if (!root) return;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  let cost = 0;
  const walk = (set: SelectionSetNode, parent: GraphQLObjectType, multiplier: number, paged: boolean): void => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        walk(sel.selectionSet, isObjectType(on) ? on : parent, multiplier, paged);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        const on = f && schema.getType(f.typeCondition.name.value);
        if (f) walk(f.selectionSet, isObjectType(on) ? on : parent, multiplier, paged);
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue;
      const def = parent.getFields()[name];
      if (!def) continue;
      // At least one per field: a selection of empty pages still costs its walk, and a
      // fragment repeated many times cannot make this loop long without raising the cost.
      cost += Math.max(multiplier, 1);
      if (cost > MAX_QUERY_COST) throw new QueryLimitError(COST_MESSAGE);
      const type = getNamedType(def.type);
      if (!sel.selectionSet || !isObjectType(type)) continue;
      const firstArg = sel.arguments?.find((a) => a.name.value === 'first');
      const hasPage = def.args.some((a) => a.name === 'first');
      let m = multiplier;
      if (hasPage) {
        const v = firstArg ? intValue(firstArg.value) : undefined;
        m *= typeof v === 'number' ? v : DEFAULT_PAGE_SIZE;
      } else if (isListType(getNullableType(def.type)) && !(paged && name === 'edges')) {
        m *= LIST_ESTIMATE;
      }
      walk(sel.selectionSet, type, m, hasPage);
    }
  };
  walk(operation.selectionSet, root, 1, false);
  if (key === null) return;
  if (!within) withinLimit.set(operation, (within = new Set()));
  if (within.size < MAX_KEPT_PAGE_SIZES) within.add(key);
}

/** Page-size combinations found within the limit, per parsed operation (see checkQuery). */
const withinLimit = new WeakMap<OperationDefinitionNode, Set<string>>();
const MAX_KEPT_PAGE_SIZES = 64;
