import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type SubjectKind = 'email' | 'customer' | 'visitor';

/**
 * The suppression list (S6): keyed hashes of e-mails, customer IDs and visitor IDs forgotten in
 * a store. Ingestion drops what matches, so a shop's next sync does not bring the person back.
 */
@Entity('suppressions')
@Index('idx_suppressions_request', ['forgetRequestId'])
export class SuppressionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  storeId: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ type: 'varchar', length: 16 })
  kind: SubjectKind;

  /** The first forget request that suppressed it (for replay since a date). */
  @Column({ type: 'varchar', length: 36 })
  forgetRequestId: string;

  @Column(DATETIME)
  createdAt: Date;
}
