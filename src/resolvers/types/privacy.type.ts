import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from './connection.type';
import { Customer, Preferences } from './customer.type';
import { SubProcessor } from './sub-processor.type';
import { Order } from './order.type';
import { ProcessingPurpose, ReportRetention, ReportSource } from './report-content.type';
import { JSONObjectScalar } from './scalars';
import { Store } from './store.type';
import { VisitEvent, Visitor } from './visitor.type';

export enum ForgetStatus {
  PENDING = 'PENDING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  DRY_RUN = 'DRY_RUN',
}

registerEnumType(ForgetStatus, {
  name: 'ForgetStatus',
  description: 'Where a forget request stands.',
  valuesConfig: {
    PENDING: { description: 'Running.' },
    COMPLETED: { description: 'Done: the person\'s data is gone from the store.' },
    FAILED: { description: 'The store failed; nothing was changed there. Safe to retry.' },
    DRY_RUN: { description: 'Not run: what a forget would erase (`dryRun: true`). Nothing was changed or recorded in the ledger.' },
  },
});

@ObjectType({ description: 'One store\'s part of a forget request, as the ledger records it. Never names the person.' })
export class ForgetRequest {
  storeId: string;

  /** The ledger's keyed hash of the person (signed into the receipt; not a field). */
  subjectHash: string;

  @Field(() => ID, { description: 'The request\'s ID in the ledger.' })
  id: string;

  @Field(() => ForgetStatus, { description: 'Where the request stands.' })
  status: ForgetStatus;

  @Field({ description: 'When it was asked for.' })
  requestedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it completed.' })
  completedAt: Date | null;

  @Field({ description: 'requestedAt + 30 days: from then on no backup holds the person\'s data (S5).' })
  backupsClearBy: Date;

  @Field(() => Int, { description: 'Customer rows deleted (with their CRM attributes).' })
  customersDeleted: number;

  @Field(() => Int, { description: 'Orders kept but anonymized: no customer, e-mail or visitor.' })
  ordersAnonymized: number;

  @Field(() => Int, { description: 'Visitor IDs deleted.' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events deleted.' })
  eventsDeleted: number;

  @Field({ description: 'True when the person had already been forgotten in this store: nothing changed.' })
  alreadyForgotten: boolean;

  @Field(() => String, { nullable: true, description: 'Why it failed, when FAILED (a safe, generic reason).' })
  failure: string | null;

  @Field({ description: 'Whether the store held anything of the person when the request ran. A typo gives false (and COMPLETED with zero counts); the identifiers given are suppressed all the same.' })
  found: boolean;

  @Field(() => String, { nullable: true, description: 'The caller\'s own ticket number for the request, as given (at most 128 characters, never personal data). Kept on the ledger.' })
  reference: string | null;

}

export const ForgetRequestConnection = ConnectionType(ForgetRequest, 'ForgetRequest', 'forget request');
export type ForgetRequestConnection = InstanceType<typeof ForgetRequestConnection>;

@ObjectType({ description: 'The outcome of forgetCustomer: one request per store.' })
export class ForgetCustomerPayload {
  @Field(() => [ForgetRequest], { description: 'Per store: status and what was erased.' })
  requests: ForgetRequest[];
}

@ObjectType({ description: 'The outcome of replaying the forget ledger after a restore.' })
export class ReplayPayload {
  @Field(() => Int, { description: 'Forget requests re-applied.' })
  replayed: number;

  @Field(() => Int, { description: 'Customer rows deleted again.' })
  customersDeleted: number;

  @Field(() => Int, { description: 'Orders anonymized again.' })
  ordersAnonymized: number;

  @Field(() => Int, { description: 'Visitor IDs deleted again.' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events deleted again.' })
  eventsDeleted: number;
}

@ObjectType({ description: 'What one store holds about the person.' })
export class StoreReport {
  @Field(() => Store, { description: 'The store.' })
  store: Store;

  @Field(() => Customer, { nullable: true, description: 'The person\'s customer profile (the first, where several share the e-mail).' })
  customer: Customer | null;

  @Field(() => [Customer], { description: 'Every customer row that is this person.' })
  customers: Customer[];

  @Field(() => [Order], { description: 'Their orders.' })
  orders: Order[];

  @Field(() => [Visitor], { description: 'Their visitor IDs.' })
  visitors: Visitor[];

  @Field(() => [VisitEvent], { description: 'Their full visit log, oldest first.' })
  events: VisitEvent[];

  @Field(() => [Preferences], { description: 'Derived purchase preferences, one per customer row.' })
  preferences: Preferences[];

  @Field(() => [String], { description: 'Data categories held (S10): emailAddress, crm, orderHistory, browsingHistory, purchasePreferences.' })
  dataCategories: string[];

  @Field(() => [ProcessingPurpose], { description: 'Why the store\'s data is processed (Art. 15(1)(a)), from its products and settings.' })
  purposes: ProcessingPurpose[];

  @Field(() => [SubProcessor], { description: 'The recipients (Art. 15(1)(c), 15(2)): the sub-processors in use for this store, with where they process and the transfer mechanism outside the EU/EEA.' })
  recipients: SubProcessor[];

  @Field(() => ReportRetention, { description: 'How long the data is kept (Art. 15(1)(d)): the rule and each visitor ID\'s period.' })
  retention: ReportRetention;

  @Field(() => [ReportSource], { description: 'Where the data came from (Art. 15(1)(g)).' })
  sources: ReportSource[];
}

@ObjectType({ description: 'A data-access report (S3; GDPR Art. 15 and 20).' })
export class PrivacyReportPayload {
  @Field({ description: 'When the report was generated.' })
  generatedAt: Date;

  @Field(() => [StoreReport], { description: 'One entry per store searched; empty lists where nothing is held.' })
  stores: StoreReport[];

  /** Set by the resolver: `json` and `html` are rendered only when a client asks for them. */
  render: { json: () => Record<string, unknown>; html: () => string };

  @Field(() => JSONObjectScalar, { description: 'The whole report as one machine-readable document (format `privacy-gateway/data-access-report@2`).' })
  get json(): Record<string, unknown> {
    return this.render.json();
  }

  @Field(() => String, { description: 'The same report as one self-contained, readable HTML document (inline CSS, no script, no external resource) the shop can hand to the person.' })
  get html(): string {
    return this.render.html();
  }
}
