import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A sub-processor of the platform: who else processes the shops\' data, where, and why.' })
export class SubProcessor {
  @Field(() => ID, { description: 'Stable ID.' })
  id: string;

  @Field({ description: 'Name.' })
  name: string;

  @Field({ description: 'The legal entity that processes the data.' })
  legalEntity: string;

  @Field({ description: 'What it does with the data.' })
  purpose: string;

  @Field({ description: 'Where it processes the data.' })
  location: string;

  @Field({ description: 'ISO 3166-1 country code of processing.' })
  country: string;

  @Field({ description: 'Whether processing stays inside the EU/EEA.' })
  inEea: boolean;

  @Field(() => String, { nullable: true, description: 'The transfer mechanism, where data leaves the EU/EEA or may be accessed from outside it.' })
  transferMechanism: string | null;

  @Field(() => [String], { description: 'The data categories it touches.' })
  dataCategories: string[];

  @Field(() => [String], { description: 'Platform products that use it (`*`: every store).' })
  products: string[];
}
