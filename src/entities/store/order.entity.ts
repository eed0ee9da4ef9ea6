import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME, decimalToNumber } from '../common/columns';

/** An order. Forgetting its buyer clears customerId, email and visitorId and sets `anonymized`. */
@Entity('orders')
@Index('idx_orders_customer_time', ['customerId', 'createdAt'])
// Covers storeStats' GROUP BY over a time range: the query reads the index alone, never the rows.
@Index('idx_orders_stats', ['createdAt', 'currency', 'total', 'customerId'])
export class OrderEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  customerId: string | null;

  @Index('idx_orders_email')
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Index('idx_orders_visitor')
  @Column({ type: 'varchar', length: 128, nullable: true })
  visitorId: string | null;

  @Index('idx_orders_time')
  @Column(DATETIME)
  createdAt: Date;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'decimal', precision: 14, scale: 2, transformer: decimalToNumber })
  total: number;

  @Column({ type: 'boolean', default: false })
  anonymized: boolean;
}
