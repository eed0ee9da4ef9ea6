import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A product of the shop\'s catalogue. Not personal data.' })
export class Product {
  @Field(() => ID, { description: 'The shop\'s product ID.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The product\'s name; null until the shop sends it with `upsertProducts`.' })
  name: string | null;

  @Field(() => String, { nullable: true, description: 'The product\'s category; null until the shop sends it with `upsertProducts`.' })
  category: string | null;
}
