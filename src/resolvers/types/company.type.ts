import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An account: the organisation that owns stores and is the data controller of their shoppers\' data.' })
export class Company {
  @Field(() => ID, { description: 'The company\'s ID.' })
  id: string;

  @Field({ description: 'The company\'s name.' })
  name: string;

  @Field({ description: 'When the company was created.' })
  createdAt: Date;
}
