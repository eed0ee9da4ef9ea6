import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/** One attempt at delivering a webhook: when, the answer, or why there was none. */
@Entity('webhook_attempts')
@Index('idx_webhook_attempts_delivery', ['deliveryId', 'attempt'])
export class WebhookAttemptEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 40 })
  deliveryId: string;

  /** 1 for the first attempt, then 2, 3, ... */
  @Column({ type: 'int' })
  attempt: number;

  @Column(DATETIME)
  at: Date;

  @Column({ type: 'int', nullable: true })
  responseStatus: number | null;

  /** Why no answer came, as a fixed word (`timeout`, `network`, `refused-address`, `no-target`); never the URL. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  error: string | null;

  @Column({ type: 'int' })
  durationMs: number;
}
