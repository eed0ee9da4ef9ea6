import { Entity, PrimaryColumn } from 'typeorm';

/**
 * The people an audit entry is about: one row per keyed hash (store-scoped HMAC of an e-mail,
 * customer ID or visitor ID) per entry. Indexed by hash, so "every entry about this person"
 * is an index lookup, never a scan of the trail (the primary key leads with the hash).
 * Append-only, like the trail itself.
 */
@Entity('audit_subjects')
export class AuditSubjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash: string;

  /** The entry's `entryKey`. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  entryKey: string;
}
