import { encodeCursor, KeysetPosition, PageRequest } from './cursor';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfoShape {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A page of results in the Relay connection shape; `totalCount` is computed only when asked for. */
export interface ConnectionShape<T> {
  edges: Edge<T>[];
  pageInfo: PageInfoShape;
  count?: () => Promise<number>;
}

/**
 * Builds a connection from rows fetched with `first + 1` as the limit: the extra row, if any,
 * only tells that a next page exists.
 */
export function toConnection<R, T>(
  rows: R[],
  page: PageRequest,
  position: (row: R) => KeysetPosition,
  toNode: (row: R) => T,
  count?: () => Promise<number>,
): ConnectionShape<T> {
  const visible = rows.slice(0, page.first);
  const edges = visible.map((r) => ({ cursor: encodeCursor(position(r)), node: toNode(r) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > page.first, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    count,
  };
}
