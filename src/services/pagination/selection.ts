import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the operation selects `path` below the field being resolved (e.g. a connection's
 * `edges.node.lines`), through fragments and inline fragments alike. A loader uses it to read
 * what the response will need in the statement it issues anyway, and nothing more. `@skip` and
 * `@include` are not evaluated: a field they may drop counts as selected (a wasted read at
 * worst, never a missing one).
 */
export function selects(info: GraphQLResolveInfo, path: string[]): boolean {
  const walk = (sets: readonly (SelectionSetNode | undefined)[], depth: number): boolean => {
    if (depth === path.length) return true;
    const seen = new Set<string>();
    const next: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode | undefined) => {
      for (const s of set?.selections ?? []) {
        if (s.kind === 'Field') {
          if (s.name.value === path[depth] && s.selectionSet) next.push(s.selectionSet);
          else if (s.name.value === path[depth] && depth === path.length - 1) next.push({ kind: 'SelectionSet' as SelectionSetNode['kind'], selections: [] });
        } else if (s.kind === 'InlineFragment') visit(s.selectionSet);
        else if (s.kind === 'FragmentSpread' && !seen.has(s.name.value)) {
          seen.add(s.name.value);
          visit(info.fragments[s.name.value]?.selectionSet);
        }
      }
    };
    sets.forEach(visit);
    return next.length > 0 && walk(next, depth + 1);
  };
  return walk(info.fieldNodes.map((f: FieldNode) => f.selectionSet), 0);
}
