import { createHash } from 'node:crypto';
import { DocumentNode, FragmentDefinitionNode, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';

/** The audit column (`audit_log.operation`) is varchar(64): a stored operation name never exceeds it. */
export const MAX_OPERATION_NAME = 64;

/**
 * The distinct root fields an operation selects (through fragments too), in document order.
 * They are names of the schema, never free client text once the operation has validated.
 */
export function rootFieldNames(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined): string[] {
  if (!operation) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document?.definitions ?? []) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const names = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!visited.has(s.name.value)) {
        visited.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names];
}

/**
 * Bounds a client-chosen operation name for the audit trail and the log: a name that fits is
 * kept as sent; a longer one keeps its first characters and a hash of the whole, so distinct
 * names stay distinct and the stored form is what `auditLog(operation:)` finds.
 */
export function boundedOperationName(name: string): string {
  if (name.length <= MAX_OPERATION_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_OPERATION_NAME - 17)}~${hash}`;
}

/** The name an operation is audited and logged under: its own name, else its root fields. */
export function auditedOperationName(
  operationName: string | null | undefined,
  operation: OperationDefinitionNode | undefined,
  document: DocumentNode | undefined,
): string {
  return boundedOperationName(operationName || rootFieldNames(operation, document).join(',') || 'anonymous');
}

/**
 * The metrics label of a request: the root field it runs when it runs exactly one (a name from
 * the schema, so the label set is bounded by the schema), `multiple` for several, `invalid` for a
 * request that never resolved to an operation. The client's operation name is never a label.
 */
export function metricsOperationLabel(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined): string {
  const roots = rootFieldNames(operation, document);
  if (roots.length === 0) return 'invalid';
  return roots.length === 1 ? roots[0] : 'multiple';
}
