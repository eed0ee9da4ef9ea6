import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/**
 * The webhook outbox: one row per event for one store, written in the same catalog transaction
 * as the change it reports (a forget's ledger update), delivered and retried by the webhook
 * worker until a 2xx or until the retry window ends. Its ID is the `webhook-id` of every
 * attempt. The payload holds no personal data (a ledger entry names the person by a keyed hash).
 */
@Entity('webhook_deliveries')
@Index('idx_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('idx_webhook_deliveries_store_time', ['storeId', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  storeId: string;

  @Index('idx_webhook_deliveries_company')
  @Column({ type: 'varchar', length: 36 })
  companyId: string;

  /** The payload's `type`: forget.completed, forget.failed, store.deleted, access.ready. */
  @Column({ type: 'varchar', length: 32 })
  event: string;

  /**
   * The store's webhook URL and sealed secret when the event was written: used only once the
   * store row is gone (store.deleted); otherwise each attempt uses the store's current ones.
   */
  @Column({ type: 'varchar', length: 2048 })
  targetUrl: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  sealedSecret: string | null;

  /** The exact JSON body sent (and signed) on every attempt. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ type: 'varchar', length: 16 })
  status: WebhookDeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** When the worker next tries (PENDING only). */
  @Column(DATETIME)
  nextAttemptAt: Date;

  @Column({ ...DATETIME, nullable: true })
  lastAttemptAt: Date | null;

  /** The HTTP status of the last attempt; null when none answered (refused target, timeout, network). */
  @Column({ type: 'int', nullable: true })
  responseStatus: number | null;

  @Column(DATETIME)
  createdAt: Date;
}
