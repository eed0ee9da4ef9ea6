import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type ForgetStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

/**
 * The forget ledger: one row per store per request. It names the person only by a keyed
 * hash, so it can be kept (and replayed after a backup restore) without holding their data.
 */
@Entity('forget_requests')
@Index('idx_forget_requests_store_time', ['storeId', 'requestedAt'])
@Index('idx_forget_requests_subject', ['storeId', 'subjectHash'])
export class ForgetRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  storeId: string;

  @Index('idx_forget_requests_company')
  @Column({ type: 'varchar', length: 36 })
  companyId: string;

  /** HMAC of the subject as asked for (kind and canonical value), scoped to the store. */
  @Column({ type: 'varchar', length: 64 })
  subjectHash: string;

  @Column({ type: 'varchar', length: 16 })
  status: ForgetStatus;

  @Column({ type: 'varchar', length: 36 })
  requestedByKeyId: string;

  @Column(DATETIME)
  requestedAt: Date;

  @Column({ ...DATETIME, nullable: true })
  completedAt: Date | null;

  /** requestedAt + 30 days: after this no backup holds the person's data (S5). */
  @Column(DATETIME)
  backupsClearBy: Date;

  @Column({ type: 'int', default: 0 })
  customersDeleted: number;

  @Column({ type: 'int', default: 0 })
  ordersAnonymized: number;

  @Column({ type: 'int', default: 0 })
  visitorsDeleted: number;

  @Column({ type: 'int', default: 0 })
  eventsDeleted: number;

  @Column({ type: 'boolean', default: false })
  alreadyForgotten: boolean;

  /** Whether the store held anything of the person when the request ran (a typo gives false). */
  @Column({ type: 'boolean', default: false })
  found: boolean;

  /** The caller's own ticket number for the request: never personal data (checked on the way in). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  reference: string | null;

  /** A safe, generic reason when FAILED (never SQL or data). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  failure: string | null;
}
