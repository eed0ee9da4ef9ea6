import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/**
 * A named, expiring lease: which gateway instance runs some one-at-a-time work (the retention
 * purge, forget recovery, one forget request). Taken and renewed by conditional statements, so
 * it holds across instances and on a Galera cluster, where server-side named locks do not.
 * Holds no personal data: names are `retention`, `forget-recovery`, `forget:<request id>`.
 */
@Entity('leases')
export class LeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  /** A random token per acquisition (not a host name): only the holder renews or releases. */
  @Column({ type: 'varchar', length: 36 })
  holder: string;

  @Column(DATETIME)
  expiresAt: Date;
}
