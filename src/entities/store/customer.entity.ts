import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/**
 * A shopper known to the store by the shop's own customer ID; CRM attributes inline.
 * `customers(orderBy: UPDATED_AT)` pages newest first on (updatedAt, id).
 */
@Index('idx_customers_updated', ['updatedAt', 'id'])
@Entity('customers')
export class CustomerEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  /** Canonical (trimmed, lower-cased) e-mail; compared byte for byte. */
  @Index('idx_customers_email')
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ type: 'int', nullable: true })
  age: number | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  gender: string | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  city: string | null;

  /** Further CRM attributes the shop sends, as a JSON object of strings. */
  @Column({ type: 'simple-json', nullable: true })
  attributes: Record<string, string> | null;

  @Column(DATETIME)
  createdAt: Date;

  @Column(DATETIME)
  updatedAt: Date;
}
