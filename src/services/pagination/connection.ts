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
 * An edge whose cursor is encoded only if the response selects it (GraphQL reads the getter):
 * a page of orders or events usually selects the nodes alone.
 */
class LazyEdge<R, T> implements Edge<T> {
  constructor(
    private readonly row: R,
    private readonly position: (row: R) => KeysetPosition,
    public readonly node: T,
  ) {}

  get cursor(): string {
    return encodeCursor(this.position(this.row));
  }

  /** The same edge (same cursor) with another node. */
  withNode<U>(node: U): LazyEdge<R, U> {
    return new LazyEdge(this.row, this.position, node);
  }
}

class LazyPageInfo<R> implements PageInfoShape {
  constructor(
    public readonly hasNextPage: boolean,
    private readonly last: R | undefined,
    private readonly position: (row: R) => KeysetPosition,
  ) {}

  get endCursor(): string | null {
    return this.last === undefined ? null : encodeCursor(this.position(this.last));
  }
}

/**
 * Builds a connection from rows fetched with `first + 1` as the limit: the extra row, if any,
 * only tells that a next page exists. Cursors are encoded when read, not before.
 */
export function toConnection<R, T>(
  rows: R[],
  page: PageRequest,
  position: (row: R) => KeysetPosition,
  toNode: (row: R) => T,
  count?: () => Promise<number>,
): ConnectionShape<T> {
  const visible = rows.slice(0, page.first);
  return {
    edges: visible.map((r) => new LazyEdge(r, position, toNode(r))),
    pageInfo: new LazyPageInfo(rows.length > page.first, visible[visible.length - 1], position),
    count,
  };
}

/** The same connection with each node mapped (cursors stay lazy). */
export function mapNodes<T, U>(conn: ConnectionShape<T>, f: (node: T) => U): ConnectionShape<U> {
  return {
    ...conn,
    edges: conn.edges.map((e) => (e instanceof LazyEdge ? (e as LazyEdge<unknown, T>).withNode(f(e.node)) : { cursor: e.cursor, node: f(e.node) })),
  };
}
