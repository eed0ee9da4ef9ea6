import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum StatsInterval {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}

registerEnumType(StatsInterval, {
  name: 'StatsInterval',
  description: 'The width of a `storeStats` bucket, in UTC.',
  valuesConfig: {
    DAY: { description: 'From midnight UTC to the next.' },
    WEEK: { description: 'From Monday 00:00 UTC to the next Monday (ISO weeks).' },
    MONTH: { description: 'From the 1st 00:00 UTC to the 1st of the next month.' },
  },
});

@ObjectType({ description: 'An exact amount of money in one currency.' })
export class Money {
  @Field({ description: 'ISO 4217 currency code.' })
  currency: string;

  @Field({ description: 'The amount as an exact decimal string with two places, e.g. "1234.50"; summed by the database in DECIMAL (or integer cents), never in floating point.' })
  amount: string;
}

@ObjectType({ description: 'Visit events of a bucket, by type.' })
export class EventCounts {
  @Field(() => Int, { description: 'Pages of the shop viewed.' })
  pageViews: number;

  @Field(() => Int, { description: 'Content shown by the platform that was seen.' })
  contentViews: number;

  @Field(() => Int, { description: 'Clicks on content shown by the platform.' })
  clicks: number;
}

@ObjectType({ description: 'The aggregates of one time bucket. Counts and sums only: no personal data.' })
export class StatsBucket {
  @Field({ description: 'The bucket\'s start in UTC: midnight (DAY), Monday 00:00 (WEEK) or the 1st 00:00 (MONTH). Data before `from` is not counted even where the bucket starts earlier.' })
  start: Date;

  @Field(() => Int, { description: 'Orders placed in the bucket.' })
  orders: number;

  @Field(() => Int, { description: 'Distinct customers (by customer ID) who ordered in the bucket; guest and anonymized orders count in `orders` only.' })
  customers: number;

  @Field(() => [Money], { description: 'Order totals summed per currency, ordered by currency code; empty when there were no orders.' })
  revenue: Money[];

  @Field(() => Int, { description: 'Distinct visitor IDs with at least one event in the bucket.' })
  visitors: number;

  @Field(() => EventCounts, { description: 'Visit events in the bucket, by type.' })
  events: EventCounts;
}

@ObjectType({ description: 'A product and how much of it sold in the range.' })
export class TopProduct {
  storeId: string;
  productId: string;

  @Field(() => Int, { description: 'Units sold in the range.' })
  quantity: number;

  @Field(() => [Money], { description: 'Revenue of its lines (quantity × unit price) per currency, ordered by currency code.' })
  revenue: Money[];
}

@ObjectType({ description: 'A store\'s aggregates over a time range, bucketed in UTC. No personal data: counts and sums only.' })
export class StoreStats {
  storeId: string;

  @Field(() => ID, { description: 'The store.' })
  id: string;

  @Field({ description: 'Start of the range (inclusive).' })
  from: Date;

  @Field({ description: 'End of the range (exclusive).' })
  to: Date;

  @Field(() => StatsInterval, { description: 'The bucket width.' })
  interval: StatsInterval;
}
