import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from './connection.type';

@ObjectType({ description: 'A product line of an order. Not personal data: kept when the buyer is forgotten.' })
export class OrderLine {
  storeId: string;

  @Field(() => ID, { description: 'The product\'s ID in the shop.' })
  productId: string;

  @Field(() => Int, { description: 'Units bought.' })
  quantity: number;

  @Field(() => Float, { description: 'Price of one unit, in the order\'s currency.' })
  unitPrice: number;
}

@ObjectType({ description: 'An order. When its buyer is forgotten it stays, anonymized: no customer, e-mail or visitor.' })
export class Order {
  storeId: string;
  customerId: string | null;
  emailValue: string | null;

  @Field(() => ID, { description: 'The shop\'s order ID.' })
  id: string;

  @Field({ description: 'When the order was placed.' })
  createdAt: Date;

  @Field(() => Float, { description: 'Order total, in `currency`, as a float (kept for existing clients; `totalAmount` is exact).' })
  total: number;

  @Field(() => String, { description: 'Order total, in `currency`, as an exact decimal string with two places, e.g. "1234.50".' })
  totalAmount: string;

  @Field({ description: 'ISO 4217 currency code.' })
  currency: string;

  @Field({ description: 'True once the buyer was forgotten (or arrived suppressed): the order no longer points to a person.' })
  anonymized: boolean;
}

export const OrderConnection = ConnectionType(Order, 'Order', 'order');
export type OrderConnection = InstanceType<typeof OrderConnection>;
