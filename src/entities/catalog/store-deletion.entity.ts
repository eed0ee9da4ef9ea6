import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type StoreDeletionStatus = 'PENDING' | 'COMPLETED';

/**
 * The record of a store's deletion (offboarding, GDPR Art. 28(3)(g)): like a forget ledger entry,
 * it holds counts of what was dropped and no personal data, and outlives the store.
 */
@Entity('store_deletions')
export class StoreDeletionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_store_deletions_store', { unique: true })
  @Column({ type: 'varchar', length: 36 })
  storeId: string;

  @Index('idx_store_deletions_company')
  @Column({ type: 'varchar', length: 36 })
  companyId: string;

  @Column({ type: 'varchar', length: 16 })
  status: StoreDeletionStatus;

  /** The API key that asked (`cli`, `shopify` or `system` for the platform's own acts). */
  @Column({ type: 'varchar', length: 36 })
  requestedByKeyId: string;

  /** What asked for it: `deleteStore`, `shop/redact`, `cli`. */
  @Column({ type: 'varchar', length: 32 })
  origin: string;

  @Column(DATETIME)
  requestedAt: Date;

  @Column({ ...DATETIME, nullable: true })
  completedAt: Date | null;

  /** Rows held in the store database when it was dropped. */
  @Column({ type: 'int', default: 0 })
  customersDeleted: number;

  @Column({ type: 'int', default: 0 })
  ordersDeleted: number;

  @Column({ type: 'int', default: 0 })
  visitorsDeleted: number;

  @Column({ type: 'int', default: 0 })
  eventsDeleted: number;

  /** API keys narrowed to this store alone, revoked with it. */
  @Column({ type: 'int', default: 0 })
  keysRevoked: number;
}
