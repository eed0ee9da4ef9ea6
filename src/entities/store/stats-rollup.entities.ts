import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/*
 * storeStats' rollups (src/services/stats/rollups.ts keeps them equal to the raw rows, in the
 * same transactions as every writer). Days and bucket starts are UTC day numbers (days since
 * 1970-01-01): a DAY bucket is its day, a WEEK bucket its Monday, a MONTH bucket its 1st.
 */

/** Events per UTC day and type (additive: weeks and months sum their days). */
@Entity('stats_day_events')
export class StatsDayEventsEntity {
  @PrimaryColumn({ type: 'int' })
  day: number;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  type: string;

  /** The day's week (its Monday) and month (its 1st), so both group on a stored integer. */
  @Column({ type: 'int' })
  week: number;

  @Column({ type: 'int' })
  month: number;

  @Column({ type: 'int' })
  events: number;
}

/** Orders and exact revenue (integer cents) per UTC day and currency. */
@Entity('stats_day_orders')
export class StatsDayOrdersEntity {
  @PrimaryColumn({ type: 'int' })
  day: number;

  @PrimaryColumn({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'int' })
  week: number;

  @Column({ type: 'int' })
  month: number;

  @Column({ type: 'int' })
  orders: number;

  /** Integer cents: exact on both engines (SQLite would sum a DECIMAL column as floats). */
  @Column({ type: 'bigint' })
  cents: string;
}

/**
 * Who visited in a bucket: one row per (kind, bucket, visitor), for exact distinct counts that
 * do not add up across days. Personal data with the events' lifecycle: erased with the person,
 * purged with the events it came from.
 */
@Entity('stats_bucket_visitors')
@Index('idx_stats_bucket_visitors_visitor', ['visitorId'])
export class StatsBucketVisitorEntity {
  /** 'D', 'W' or 'M'. */
  @PrimaryColumn({ type: 'varchar', length: 1 })
  kind: string;

  @PrimaryColumn({ type: 'int' })
  bucket: number;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  visitorId: string;
}

/** Who ordered in a bucket (orders with a customer): as the visitors, for distinct buyers. */
@Entity('stats_bucket_buyers')
@Index('idx_stats_bucket_buyers_customer', ['customerId'])
export class StatsBucketBuyerEntity {
  @PrimaryColumn({ type: 'varchar', length: 1 })
  kind: string;

  @PrimaryColumn({ type: 'int' })
  bucket: number;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  customerId: string;
}

/** Units and exact revenue (integer cents) per UTC day, product and currency: topProducts. Not personal data. */
@Entity('stats_day_products')
export class StatsDayProductsEntity {
  @PrimaryColumn({ type: 'int' })
  day: number;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  productId: string;

  @PrimaryColumn({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'bigint' })
  quantity: string;

  @Column({ type: 'bigint' })
  cents: string;
}
