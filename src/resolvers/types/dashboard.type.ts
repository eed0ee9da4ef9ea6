import { Field, Int, ObjectType } from 'type-graphql';
import { PurgeRun } from '../retention.resolver';
import { ForgetRequest } from './privacy.type';
import { Store } from './store.type';
import { SubProcessor } from './sub-processor.type';

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

  @Field(() => Int, { description: 'Distinct e-mail addresses held (on customers, orders and visitors; an address on several rows counts once).' })
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

  @Field({ description: 'The database engine: `sqlite` (embedded) or `mysql` (MySQL/MariaDB).' })
  engine: string;

  @Field({ description: 'Which database server holds the store (`embedded` for SQLite).' })
  server: string;

  @Field({ description: 'The region the store databases are kept in, as configured (`DATA_REGION`).' })
  dataRegion: string;

  @Field({ description: 'The region backups are kept in, as configured (`BACKUP_REGION`).' })
  backupRegion: string;
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

@ObjectType({ description: 'Forget requests of a period, counted by where they stand (one per store per request).' })
export class ForgetRequestCounts {
  @Field(() => Int, { description: 'Still running (or left by a crash, to be finished by the gateway).' })
  pending: number;

  @Field(() => Int, { description: 'Completed: the person\'s data is gone from the store.' })
  completed: number;

  @Field(() => Int, { description: 'Failed: nothing was changed in that store; retry them.' })
  failed: number;
}

@ObjectType({ description: 'One store\'s retention purges (S8) in a period, and its latest run.' })
export class StorePurgeActivity {
  @Field(() => Store, { description: 'The store.' })
  store: Store;

  @Field(() => Int, { description: 'Purge runs started in the period.' })
  runs: number;

  @Field(() => Int, { description: 'Visitors those runs deleted.' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events those runs deleted.' })
  eventsDeleted: number;

  @Field(() => PurgeRun, { nullable: true, description: 'The store\'s latest purge run, whenever it was; null if it never ran.' })
  lastRun: PurgeRun | null;
}

@ObjectType({ description: 'The privacy activity of the last 30 days, for the stores the key reaches. No personal data.' })
export class PrivacyActivity {
  @Field({ description: 'Start of the period (30 days before `until`).' })
  since: Date;

  @Field({ description: 'End of the period: now.' })
  until: Date;

  @Field(() => Int, { description: 'Length of the period in days (30: as long as backups may hold forgotten data).' })
  days: number;

  @Field(() => ForgetRequestCounts, { description: 'Forget requests asked for in the period, by status.' })
  forgetRequests: ForgetRequestCounts;

  @Field(() => [ForgetRequest], { description: 'Failed forget requests not completed by a later retry (of any age: an old failure is still open), newest first, at most 50. Retry them with forgetCustomer for the same person and store.' })
  failedToRetry: ForgetRequest[];

  @Field(() => Int, { description: 'How many failed forget requests are still to retry (all of them, not only those listed).' })
  failedToRetryCount: number;

  @Field(() => Date, { nullable: true, description: 'The date by which no backup holds data forgotten in the period (the latest `backupsClearBy` of a completed request); null when nothing was forgotten in it.' })
  backupsClearBy: Date | null;

  @Field(() => [StorePurgeActivity], { description: 'Per store, its retention purges in the period and its latest run.' })
  purges: StorePurgeActivity[];
}

@ObjectType({ description: 'The GDPR dashboard of an account (S10).' })
export class GdprDashboard {
  /** Whose dashboard it is (for the field resolvers below it). */
  companyId: string;

  @Field(() => [SubProcessorStatus], { description: 'Every sub-processor, marked in use where the company\'s stores need it.' })
  subProcessors: SubProcessorStatus[];

  @Field(() => [StoreDataTypes], { description: 'Per store, the data types it holds.' })
  stores: StoreDataTypes[];
}
