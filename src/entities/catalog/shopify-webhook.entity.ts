import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

export type ShopifyWebhookStatus = 'PENDING' | 'DONE' | 'FAILED';

/**
 * The durable queue of Shopify compliance webhooks received (POST /webhooks/shopify), one row per
 * `X-Shopify-Webhook-Id` (a replay finds its row and is not queued again). The payload names a
 * shopper, so it is kept only until the item is processed, then cleared.
 */
@Entity('shopify_webhooks')
@Index('idx_shopify_webhooks_status', ['status', 'receivedAt'])
export class ShopifyWebhookEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  webhookId: string;

  @Column({ type: 'varchar', length: 32 })
  topic: string;

  @Column({ type: 'varchar', length: 255 })
  shopDomain: string;

  /** The store whose `shopifyDomain` matched when it arrived. */
  @Column({ type: 'varchar', length: 36 })
  storeId: string;

  /** The raw JSON body until processed (then null: it names the shopper). */
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: ShopifyWebhookStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column(DATETIME)
  receivedAt: Date;

  @Column({ ...DATETIME, nullable: true })
  processedAt: Date | null;

  /** What was done, without personal data: forget request IDs, "report ready", a deletion's ID, or a generic failure. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  outcome: string | null;
}
