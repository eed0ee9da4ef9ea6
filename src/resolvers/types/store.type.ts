import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What a store lets the platform collect and which platform products it uses.' })
export class StoreSettings {
  @Field({ description: 'Whether e-mail addresses are collected. Off unless the store explicitly enables it.' })
  collectEmails: boolean;

  @Field(() => [String], { description: 'Platform products the store uses (they decide which sub-processors are in use).' })
  products: string[];
}

@ObjectType({ description: 'A shop: the unit of data isolation, with a database of its own.' })
export class Store {
  @Field(() => ID, { description: 'The store\'s ID.' })
  id: string;

  @Field(() => ID, { description: 'The company that owns the store.' })
  companyId: string;

  @Field({ description: 'The store\'s name.' })
  name: string;

  @Field(() => StoreSettings, { description: 'Collection settings.' })
  settings: StoreSettings;

  @Field({ description: 'Which database server holds the store\'s data (`embedded` for the SQLite engine).' })
  server: string;

  @Field({ description: 'When the store was created.' })
  createdAt: Date;
}
