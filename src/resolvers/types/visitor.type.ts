import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.type';
import { EventTypeEnum } from './scalars';

@ObjectType({ description: 'One line of a visitor\'s log.' })
export class VisitEvent {
  @Field(() => EventTypeEnum, { description: 'What happened.' })
  type: EventTypeEnum;

  @Field(() => String, { nullable: true, description: 'The page\'s URL.' })
  url: string | null;

  @Field(() => ID, { nullable: true, description: 'The product concerned, if any.' })
  productId: string | null;

  @Field(() => ID, { nullable: true, description: 'The platform content shown or clicked, if any.' })
  contentId: string | null;

  @Field({ description: 'When it happened.' })
  occurredAt: Date;

  @Field(() => Int, { nullable: true, description: 'Time spent, in seconds, where measured.' })
  durationSeconds: number | null;
}

export const VisitEventConnection = ConnectionType(VisitEvent, 'VisitEvent', 'visit event');
export type VisitEventConnection = InstanceType<typeof VisitEventConnection>;

@ObjectType({ description: 'A browser identity (visitor ID) with its visit log (S11).' })
export class Visitor {
  storeId: string;
  customerId: string | null;

  @Field(() => ID, { description: 'The visitor ID set by the tracking script.' })
  id: string;

  @Field({ description: 'First event seen from this visitor.' })
  firstSeenAt: Date;

  @Field({ description: 'Latest event seen from this visitor.' })
  lastSeenAt: Date;
}
