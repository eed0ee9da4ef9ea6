import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/**
 * The audit trail: who read personal data or ran a privacy operation, when, in which store,
 * about whom (keyed hash only) and how many records. Append-only: nothing in the API changes it.
 */
@Entity('audit_log')
@Index('idx_audit_log_time', ['at'])
@Index('idx_audit_log_store_time', ['storeId', 'at'])
@Index('idx_audit_log_entry_key', ['entryKey'], { unique: true })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  /**
   * Chosen by the writer (a UUID), so the entry's subjects (audit_subjects) can be written with
   * it without reading a generated ID back.
   */
  @Column({ type: 'varchar', length: 36 })
  entryKey: string;

  @Column(DATETIME)
  at: Date;

  @Index('idx_audit_log_company')
  @Column({ type: 'varchar', length: 36, nullable: true })
  companyId: string | null;

  @Column({ type: 'varchar', length: 36 })
  apiKeyId: string;

  @Column({ type: 'varchar', length: 64 })
  operation: string;

  @Column({ type: 'varchar', length: 36, nullable: true })
  storeId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  subjectHash: string | null;

  @Column({ type: 'int', default: 0 })
  records: number;

  @Column({ type: 'varchar', length: 36, nullable: true })
  requestId: string | null;

  /** What the operation changed, without personal data: names of settings, a stated reason. */
  @Column({ type: 'varchar', length: 600, nullable: true })
  detail: string | null;

  /**
   * Written, never kept: the entry's subject hashes as a JSON array, moved into audit_subjects by
   * a trigger within the INSERT itself (one statement per entry, the entry never visible without
   * its subjects) and set to NULL there. Not read.
   */
  @Column({ type: 'text', nullable: true, select: false })
  subjectList: string | null;
}
