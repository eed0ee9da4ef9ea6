import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectScalar } from './scalars';
import { ConnectionType } from './connection.type';

@ObjectType({ description: 'CRM attributes the shop sent about the customer. Personal data.' })
export class Crm {
  @Field(() => Int, { nullable: true, description: 'Age in years.' })
  age: number | null;

  @Field(() => String, { nullable: true, description: 'Gender, as the shop records it.' })
  gender: string | null;

  @Field(() => String, { nullable: true, description: 'City.' })
  city: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Further attributes, as sent by the shop.' })
  attributes: Record<string, string> | null;
}

@ObjectType({ description: 'A product and how strongly the customer prefers it.' })
export class ProductPreference {
  @Field(() => ID, { description: 'The product\'s ID.' })
  productId: string;

  @Field(() => Float, { description: 'Clicks on the product plus three points per unit bought.' })
  score: number;
}

@ObjectType({ description: 'A product category and how strongly the customer prefers it.' })
export class CategoryPreference {
  @Field({ description: 'The category\'s name.' })
  name: string;

  @Field(() => Float, { description: 'Sum of the scores of the customer\'s products in this category.' })
  score: number;
}

@ObjectType({ description: 'Purchase preferences derived from clicks and purchases.' })
export class Preferences {
  @Field(() => [ProductPreference], { description: 'Up to ten products, strongest first.' })
  topProducts: ProductPreference[];

  @Field(() => [CategoryPreference], { description: 'Up to five categories, strongest first.' })
  topCategories: CategoryPreference[];
}

@ObjectType({ description: 'A shopper\'s profile in one store (S2), found by e-mail address or customer ID.' })
export class Customer {
  storeId: string;
  emailValue: string | null;
  nameValue: string | null;
  crmValue: Crm;

  @Field(() => ID, { description: 'The shop\'s customer ID.' })
  id: string;

  @Field({ description: 'When the store first sent this customer.' })
  createdAt: Date;

  @Field({ description: 'When the store last updated this customer.' })
  updatedAt: Date;
}

export const CustomerConnection = ConnectionType(Customer, 'Customer', 'customer');
export type CustomerConnection = InstanceType<typeof CustomerConnection>;

export enum CustomerOrderBy {
  ID = 'ID',
  UPDATED_AT = 'UPDATED_AT',
}

registerEnumType(CustomerOrderBy, {
  name: 'CustomerOrderBy',
  description: 'The order of a store\'s customer list.',
  valuesConfig: {
    ID: { description: 'By customer ID, ascending.' },
    UPDATED_AT: { description: 'Most recently created or updated first (ties by customer ID, descending).' },
  },
});
