import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Why a store\'s data is processed (GDPR Art. 15(1)(a)): one purpose per platform product the store uses, plus keeping the data.' })
export class ProcessingPurpose {
  @Field(() => ID, { description: 'The platform product (recommendations, search, email, audience, chat), or `service` for storing and safeguarding the data.' })
  id: string;

  @Field({ description: 'The purpose, in words the person understands.' })
  description: string;

  @Field(() => [String], { description: 'The data categories it uses (S10 names), as the store\'s collection settings allow them.' })
  dataCategories: string[];

  @Field(() => [ID], { description: 'The sub-processors serving this purpose (IDs in `recipients`/`subProcessors`).' })
  subProcessorIds: string[];
}

@ObjectType({ description: 'How long one of the person\'s visitor IDs and its log are kept (from the retention rule, S8).' })
export class VisitorRetentionEntry {
  @Field(() => ID, { description: 'The visitor ID.' })
  visitorId: string;

  @Field(() => Int, { description: 'Months the visit data is kept after the last visit (1-12); equals `Visitor.retentionMonths`.' })
  retentionMonths: number;

  @Field({ description: 'When the visit data expires if the person does not come back; equals `Visitor.retainedUntil`.' })
  retainedUntil: Date;
}

@ObjectType({ description: 'How long a store keeps the person\'s data (GDPR Art. 15(1)(d)).' })
export class ReportRetention {
  @Field({ description: 'The retention rule for visit data, in words, with the store\'s bounds.' })
  rule: string;

  @Field(() => Int, { description: 'The store\'s shortest retention of visit data, in months.' })
  minMonths: number;

  @Field(() => Int, { description: 'The store\'s longest retention of visit data, in months.' })
  maxMonths: number;

  @Field(() => [VisitorRetentionEntry], { description: 'Each of the person\'s visitor IDs with its retention.' })
  visitors: VisitorRetentionEntry[];

  @Field({ description: 'How long the customer record and orders are kept.' })
  otherData: string;

  @Field({ description: 'How long backups may still hold the data.' })
  backups: string;
}

@ObjectType({ description: 'Where a kind of the person\'s records came from (GDPR Art. 15(1)(g)). Only kinds the store holds are listed.' })
export class ReportSource {
  @Field({ description: 'The kind of record: customers, orders, visitors or preferences.' })
  kind: string;

  @Field(() => Int, { description: 'How many such records the report holds (preferences: customer rows with derived preferences).' })
  records: number;

  @Field({ description: 'The source, in words the person understands (the shop\'s systems, its website\'s tracking, or derived by the platform).' })
  description: string;
}
