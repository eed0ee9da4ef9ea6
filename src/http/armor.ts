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
} as const;

/** The refusal of each limit names its kind, never its value (format-error drops armor's prefix). */
export const LIMIT_MESSAGES = {
  depth: 'Query rejected: it is nested deeper than the depth limit.',
  aliases: 'Query rejected: it has more aliases than the alias limit.',
  directives: 'Query rejected: it has more directives than the directive limit.',
} as const;

export function armor() {
  return new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, exposeLimits: false, errorMessage: LIMIT_MESSAGES.depth },
    maxAliases: { n: QUERY_LIMITS.maxAliases, exposeLimits: false, errorMessage: LIMIT_MESSAGES.aliases },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, exposeLimits: false, errorMessage: LIMIT_MESSAGES.directives },
    // Counted by graphql's own parser instead (see `parseOptions`): armor's token plugin turns
    // every syntax error into a 500.
    maxTokens: { enabled: false },
    // Armor's cost limit sees literals only (a variable page size costs nothing) and counts
    // depth, not pages: query-cost.ts counts pages, literal or variable, once variables are known.
    costLimit: { enabled: false },
    // Anonymous requests never reach validation (the key is checked first), so only
    // authenticated users, who may read the schema anyway, see "did you mean" hints.
    blockFieldSuggestion: { enabled: false },
  }).protect();
}
