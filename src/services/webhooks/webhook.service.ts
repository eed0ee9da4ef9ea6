import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { ForgetRequestEntity, StoreEntity, WebhookDeliveryEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditContext, AuditService } from '../audit/audit.service';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';
import { newWebhookSecret, WebhookSecretBox } from './webhook-secret';
import { checkWebhookUrl } from './webhook-target';

/** The events a store's webhook hears of (the payload's `type`). */
export type WebhookEvent = 'forget.completed' | 'forget.failed' | 'store.deleted' | 'access.ready';

/** A forget's ledger entry as a webhook (and a receipt) carries it: keyed hash and counts, no personal data. */
export function ledgerEntry(r: ForgetRequestEntity): Record<string, unknown> {
  return {
    id: r.id,
    storeId: r.storeId,
    subjectHash: r.subjectHash,
    status: r.status,
    found: r.found,
    alreadyForgotten: r.alreadyForgotten,
    customersDeleted: r.customersDeleted,
    ordersAnonymized: r.ordersAnonymized,
    visitorsDeleted: r.visitorsDeleted,
    eventsDeleted: r.eventsDeleted,
    requestedAt: r.requestedAt.toISOString(),
    completedAt: r.completedAt ? r.completedAt.toISOString() : null,
    backupsClearBy: r.backupsClearBy.toISOString(),
    reference: r.reference,
    failure: r.failure,
  };
}

/**
 * Webhooks out (Standard Webhooks): the store's target and secret, and the durable outbox.
 *
 * To emit an event, write it with `enqueue(em, storeId, type, data)` using the catalog
 * transaction that records the change it reports (`tenancy.catalogTransaction`), so the event
 * exists exactly when the change does; then call `kick()` once that transaction committed, so
 * the worker sends it at once instead of at its next poll. `data` must hold no personal data.
 * A store without a webhook URL gets no row. For `store.deleted`, enqueue before the store row
 * is removed: the row keeps the URL and sealed secret, so it is delivered after the store is gone.
 */
export class WebhookService {
  /** Set by the worker (webhook-worker.ts): wakes it for a new delivery. */
  onEnqueued: () => void = () => undefined;

  constructor(
    private readonly config: Config,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    readonly secrets: WebhookSecretBox,
  ) {}

  /** Writes one event for the store's webhook in `em`'s transaction; returns its webhook-id, or null without a webhook URL. */
  async enqueue(em: EntityManager, storeId: string, type: WebhookEvent, data: Record<string, unknown>): Promise<string | null> {
    const store = await em.getRepository(StoreEntity).findOne({ where: { id: storeId }, select: { id: true, companyId: true, webhookUrl: true, webhookSecret: true } });
    if (!store?.webhookUrl) return null;
    const now = new Date();
    const id = `msg_${randomUUID().replace(/-/g, '')}`;
    await em.getRepository(WebhookDeliveryEntity).insert({
      id,
      storeId: store.id,
      companyId: store.companyId,
      event: type,
      targetUrl: store.webhookUrl,
      sealedSecret: store.webhookSecret,
      payload: JSON.stringify({ type, timestamp: now.toISOString(), data }),
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: now,
      lastAttemptAt: null,
      responseStatus: null,
      createdAt: now,
    });
    return id;
  }

  /** After the enqueueing transaction committed: deliver now rather than at the next poll. */
  kick(): void {
    this.onEnqueued();
  }

  /** A webhook URL as set in the settings: checked (scheme, host resolving to public addresses only), or null to remove it. */
  async checkUrl(raw: string | null): Promise<string | null> {
    if (raw === null || raw.trim() === '') return null;
    return checkWebhookUrl(raw.trim(), this.config.webhookAllowPrivate);
  }

  /** A new signing secret for the store, returned once and kept only encrypted. The old one stops signing at once. */
  async rotateSecret(ctx: TenancyContext & AuditContext, storeId: string): Promise<string> {
    const store = await this.tenancy.store(ctx, storeId);
    const secret = newWebhookSecret();
    await this.tenancy.catalogManager(ctx).getRepository(StoreEntity).update({ id: store.id }, { webhookSecret: this.secrets.seal(store.id, secret) });
    ctx.loaders.clearStore(store.id);
    await this.audit.record(ctx, [{ operation: 'rotateWebhookSecret', storeId: store.id, companyId: store.companyId, records: 0, detail: 'webhook secret rotated' }]);
    return secret;
  }

  /** The store's deliveries, newest first. */
  async deliveries(ctx: TenancyContext, storeId: string, page: PageRequest): Promise<ConnectionShape<WebhookDeliveryEntity>> {
    const store = await this.tenancy.store(ctx, storeId);
    const repo = this.tenancy.catalogManager(ctx).getRepository(WebhookDeliveryEntity);
    const qb = repo
      .createQueryBuilder('d')
      .select(['d.id', 'd.event', 'd.status', 'd.attempts', 'd.lastAttemptAt', 'd.responseStatus', 'd.createdAt'])
      .where('d.storeId = :storeId', { storeId: store.id });
    const rows = await newestFirstPage(qb, 'd', 'createdAt', page).getMany();
    return toConnection(rows, page, (r) => ({ at: r.createdAt, id: r.id }), (r) => r, () => repo.countBy({ storeId: store.id }));
  }
}
