import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { decimalToNumber } from '../common/columns';

/** A product line of an order: not personal data, kept when the buyer is forgotten. */
@Entity('order_lines')
// Covers topProducts: the lines of the range's orders, read from the index alone.
@Index('idx_order_lines_stats', ['orderId', 'productId', 'quantity', 'unitPrice'])
export class OrderLineEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Index('idx_order_lines_order')
  @Column({ type: 'varchar', length: 128 })
  orderId: string;

  @Index('idx_order_lines_product')
  @Column({ type: 'varchar', length: 128 })
  productId: string;

  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'decimal', precision: 14, scale: 2, transformer: decimalToNumber })
  unitPrice: number;
}
