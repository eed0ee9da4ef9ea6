import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { ConnectionShape } from '../../services/pagination/connection';

@ObjectType({ description: 'Where a page ends and whether another follows (Relay cursor pagination).' })
export class PageInfo {
  @Field({ description: 'True when a further page exists after this one.' })
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to fetch the next page; null on an empty page.' })
  endCursor: string | null;
}

/** One connection type per node type: `<Name>Connection` with `<Name>Edge`. */
export function ConnectionType<TNode extends object>(nodeType: ClassType<TNode>, name: string, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} with its position in the list.` })
  class EdgeClass {
    @Field({ description: 'Opaque position of this edge; pass as `after` to continue after it.' })
    cursor: string;

    @Field(() => nodeType, { description: `The ${what}.` })
    node: TNode;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${what}s.` })
  class ConnectionClass {
    @Field(() => [EdgeClass], { description: `The ${what}s on this page, in list order.` })
    edges: EdgeClass[];

    @Field(() => PageInfo, { description: 'Pagination state.' })
    pageInfo: PageInfo;

    count?: () => Promise<number>;

    @Field(() => Int, { nullable: true, description: `How many ${what}s the whole list holds (null where not counted).` })
    async totalCount(): Promise<number | null> {
      return this.count ? this.count() : null;
    }

    static from(shape: ConnectionShape<TNode>): ConnectionClass {
      return Object.assign(new ConnectionClass(), shape);
    }
  }
  return ConnectionClass;
}
