import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONObjectScalar, EventTypeEnum } from './scalars';

@InputType({ description: 'A customer as the shop knows them. Omitted fields keep their stored value.' })
export class CustomerInput {
  @Field(() => ID, { description: 'The shop\'s customer ID.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'E-mail; kept only if the store collects e-mails.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Name.' })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'Age in years.' })
  age?: number | null;

  @Field(() => String, { nullable: true, description: 'Gender.' })
  gender?: string | null;

  @Field(() => String, { nullable: true, description: 'City.' })
  city?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Further CRM attributes: an object of strings.' })
  attributes?: Record<string, string> | null;
}

@InputType({ description: 'One tracked event.' })
export class EventInput {
  @Field(() => ID, { description: 'The visitor ID set by the tracking script.' })
  visitorId: string;

  @Field(() => ID, { nullable: true, description: 'The customer, when the visitor is logged in.' })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'E-mail, when known; kept only if the store collects e-mails.' })
  email?: string | null;

  @Field(() => EventTypeEnum, { description: 'What happened.' })
  type: EventTypeEnum;

  @Field(() => String, { nullable: true, description: 'The page\'s URL.' })
  url?: string | null;

  @Field(() => ID, { nullable: true, description: 'The product concerned.' })
  productId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The platform content shown or clicked.' })
  contentId?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it happened (default: now).' })
  occurredAt?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Seconds spent, where measured.' })
  durationSeconds?: number | null;
}

@InputType({ description: 'A product line of an order.' })
export class OrderLineInput {
  @Field(() => ID, { description: 'The product.' })
  productId: string;

  @Field(() => Int, { description: 'Units bought (at least 1).' })
  quantity: number;

  @Field(() => Float, { description: 'Price of one unit (not negative).' })
  unitPrice: number;
}

@InputType({ description: 'An order. Sent again, it replaces the stored one, lines included.' })
export class OrderInput {
  @Field(() => ID, { description: 'The shop\'s order ID.' })
  id: string;

  @Field(() => ID, { nullable: true, description: 'The buyer\'s customer ID.' })
  customerId?: string | null;

  @Field(() => String, { nullable: true, description: 'The buyer\'s e-mail; kept only if the store collects e-mails.' })
  email?: string | null;

  @Field(() => ID, { nullable: true, description: 'The visitor ID the order was placed from.' })
  visitorId?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the order was placed (default: now).' })
  createdAt?: Date | null;

  @Field({ description: 'ISO 4217 currency code.' })
  currency: string;

  @Field(() => [OrderLineInput], { description: 'What was bought; the total is their sum.' })
  lines: OrderLineInput[];
}

@ObjectType({ description: 'What an ingestion batch did. A batch is written whole or not at all.' })
export class IngestPayload {
  @Field(() => Int, { description: 'Records written.' })
  accepted: number;

  @Field(() => Int, { description: 'Records dropped because their person was forgotten (S6).' })
  suppressed: number;

  @Field(() => Int, { description: 'E-mail addresses dropped because the store does not collect e-mails (S7).' })
  emailsDropped: number;

  @Field(() => Int, { description: 'Events of a kind the store does not track, and customers whose CRM attributes were dropped because the store does not collect them (S7).' })
  droppedBySettings: number;
}

@InputType({ description: 'A product of the shop\'s catalogue. Not personal data.' })
export class ProductInput {
  @Field(() => ID, { description: 'The shop\'s product ID (as order lines and events name it).' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The product\'s name (at most 200 characters).' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'The product\'s category (at most 120 characters); preferences\' top categories group by it.' })
  category?: string | null;
}

@ObjectType({ description: 'What an `upsertProducts` batch did. A batch is written whole or not at all.' })
export class UpsertProductsPayload {
  @Field(() => Int, { description: 'Products written.' })
  accepted: number;
}
