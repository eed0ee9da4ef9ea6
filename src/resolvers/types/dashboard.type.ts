import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Store } from './store.type';

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

@ObjectType({ description: 'A store that makes a sub-processor necessary, and through which products.' })
export class SubProcessorStoreUse {
  @Field(() => Store, { description: 'The store.' })
  store: Store;

  @Field(() => [String], { description: 'The store\'s products that need it (`*`: needed by every store).' })
  products: string[];
}

@ObjectType({ description: 'A sub-processor as it concerns the company: in use or not, and why.' })
export class SubProcessorStatus {
  @Field(() => SubProcessor, { description: 'The sub-processor.' })
  subProcessor: SubProcessor;

  @Field({ description: 'True when any of the company\'s stores uses a product that needs it (highlight it).' })
  inUse: boolean;

  @Field(() => [SubProcessorStoreUse], { description: 'Which stores need it, and for which products.' })
  usedBy: SubProcessorStoreUse[];
}

@ObjectType({ description: 'How much of each data type a store holds.' })
export class DataTypeCounts {
  @Field(() => Int, { description: 'Visitor IDs tracked.' })
  visitors: number;

  @Field(() => Int, { description: 'Customers identifiable from clicks or purchases.' })
  customersWithPreferences: number;

  @Field(() => Int, { description: 'E-mail addresses held (on customers, orders and visitors).' })
  emailAddresses: number;

  @Field(() => Int, { description: 'Orders.' })
  orders: number;

  @Field(() => Int, { description: 'Customers with CRM attributes.' })
  customersWithCrm: number;
}

@ObjectType({ description: 'Where a store\'s data is kept.' })
export class DataLocation {
  @Field({ description: 'Where the store\'s database lives.' })
  database: string;

  @Field({ description: 'Where its backups are kept.' })
  backup: string;
}

@ObjectType({ description: 'The data types a store holds (S10), from the data actually present.' })
export class StoreDataTypes {
  @Field(() => Store, { description: 'The store.' })
  store: Store;

  @Field({ description: 'Browsing history: visitor IDs are tracked.' })
  browsingHistory: boolean;

  @Field({ description: 'Purchase preferences: customers are identifiable from clicks or purchases.' })
  purchasePreferences: boolean;

  @Field({ description: 'E-mail addresses are held.' })
  emailAddress: boolean;

  @Field({ description: 'Order history is held.' })
  orderHistory: boolean;

  @Field({ description: 'CRM attributes (age, gender, city…) are held.' })
  crm: boolean;

  @Field(() => DataTypeCounts, { description: 'The counts behind each flag.' })
  counts: DataTypeCounts;

  @Field(() => DataLocation, { description: 'Where the data and its backups are kept.' })
  location: DataLocation;
}

@ObjectType({ description: 'The GDPR dashboard of an account (S10).' })
export class GdprDashboard {
  @Field(() => [SubProcessorStatus], { description: 'Every sub-processor, marked in use where the company\'s stores need it.' })
  subProcessors: SubProcessorStatus[];

  @Field(() => [StoreDataTypes], { description: 'Per store, the data types it holds.' })
  stores: StoreDataTypes[];
}
