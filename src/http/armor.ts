import { ApolloArmor } from '@escape.tech/graphql-armor';

/**
 * Query limits (graphql-armor). Every operation in shared/api.md and the playground's examples
 * fits well inside them (a test runs them all); the limits themselves are not revealed in
 * error messages (`exposeLimits: false`).
 */
export const QUERY_LIMITS = {
  /** Deepest selection: the profile example is 6 levels deep. Introspection is exempt. */
  maxDepth: 12,
  /** Aliased fields per operation. */
  maxAliases: 15,
  /** Directives per operation. */
  maxDirectives: 10,
  /** Lexical tokens per document: GraphiQL's introspection query is about 900. */
  maxTokens: 3000,
  /** graphql-armor's cost estimate (objects 2, scalars 1, ×1.5 per level). */
  maxCost: 20000,
} as const;

export function armor() {
  return new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, exposeLimits: false },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: false },
    // Counted by graphql's own parser instead (see `parseOptions`): armor's token plugin turns
    // every syntax error into a 500.
    maxTokens: { enabled: false },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true, exposeLimits: false },
    // Anonymous requests never reach validation (the key is checked first), so only
    // authenticated users, who may read the schema anyway, see "did you mean" hints.
    blockFieldSuggestion: { enabled: false },
  }).protect();
}
