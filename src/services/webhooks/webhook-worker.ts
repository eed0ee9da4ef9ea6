import { randomUUID } from 'node:crypto';
import { LessThanOrEqual } from 'typeorm';
import type { Services } from '../../context';
import { operatorPrincipal } from '../../auth/principal';
import type { Caller } from '../../tenancy/tenancy';
import { StoreEntity, WebhookAttemptEntity, WebhookDeliveryEntity } from '../../entities/catalog';
import { BadUserInputError } from '../../errors';
import { scrubPersonal } from '../../logging';
import { sendSigned, SendResult } from './webhook-sender';
import { parseWebhookUrl, resolveTarget, TargetRefused } from './webhook-target';

/** One instance at a time delivers (the lease in the catalog). */
export const WEBHOOK_LEASE = 'webhook-delivery';
/** Deliveries sent at once (each bounded by WEBHOOK_TIMEOUT): one slow endpoint does not hold up the rest. */
const PARALLEL = 8;
/** The longest wait between two retries. */
const MAX_BACKOFF_MS = 3_600_000;

/** The wait before retry number `n` (1-based): base, 2×base, 4×base, ... capped at an hour. */
export function backoffMs(baseMs: number, n: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(n - 1, 30));
}

type AttemptError = SendResult['error'] | 'no-target' | 'no-secret' | TargetRefused['reason'];

/**
 * The background worker that empties the outbox: never on a request's path, so a slow or dead
 * endpoint never slows a request. Each pass takes the lease, sends every due delivery (a new
 * one at once, when `kick`ed; retries when their time comes; whatever a stopped instance left,
 * at start), records every attempt, and schedules the next with exponential backoff until the
 * retry window (WEBHOOK_RETRY_FOR, 24 h) is over. A retry keeps the delivery's webhook-id.
 */
/** The outbox holds every company's events: the worker sends them as the platform. */
const WORKER: Caller = { principal: operatorPrincipal('webhook-worker') };

export class WebhookWorker {
  private busy = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: Promise<void> = Promise.resolve();
  /** Cuts attempts in flight short when the worker stops (shutdown must not wait for a slow endpoint). */
  private readonly stopping = new AbortController();

  constructor(private readonly services: Services) {}

  start(): this {
    this.services.webhooks.onEnqueued = () => this.kick();
    this.timer = setInterval(() => this.kick(), this.services.config.webhookPollIntervalMs);
    this.timer.unref();
    this.kick();
    return this;
  }

  /** Waits for the pass in progress; no new one starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.services.webhooks.onEnqueued = () => undefined;
    this.stopping.abort();
    await this.current;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.current = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.services.log.error({ err: scrubPersonal(String(err)) }, 'webhook delivery pass failed');
      } finally {
        this.busy = false;
      }
    })();
  }

  /** Sends what is due, holding the lease; returns how many were attempted (0 when another instance holds it). */
  async pass(): Promise<number> {
    let attempted = 0;
    const repo = this.services.tenancy.operatorCatalog(WORKER).getRepository(WebhookDeliveryEntity);
    await this.services.leases.withLease(WEBHOOK_LEASE, async (lease) => {
      for (;;) {
        if (lease.lost || this.stopped) return;
        const due = await repo.find({ where: { status: 'PENDING', nextAttemptAt: LessThanOrEqual(new Date()) }, order: { nextAttemptAt: 'ASC' }, take: PARALLEL });
        if (due.length === 0) return;
        await Promise.all(due.map((d) => this.attempt(d)));
        attempted += due.length;
        if (due.length < PARALLEL) return;
      }
    });
    return attempted;
  }

  private async attempt(d: WebhookDeliveryEntity): Promise<void> {
    const { config, tenancy, webhooks, log } = this.services;
    const catalog = tenancy.operatorCatalog(WORKER);
    const started = Date.now();
    const store = await catalog.getRepository(StoreEntity).findOne({ where: { id: d.storeId }, select: { id: true, webhookUrl: true, webhookSecret: true } });
    // The store's current target and secret; the ones of the event once the store is gone.
    const url = store ? store.webhookUrl : d.targetUrl;
    const sealed = store ? store.webhookSecret : d.sealedSecret;
    let result: { status: number | null; error: AttemptError };
    if (!url) result = { status: null, error: 'no-target' };
    else if (!sealed) result = { status: null, error: 'no-secret' };
    else {
      try {
        // Checked again at every attempt: the rules, and every address the name resolves to now.
        const target = await resolveTarget(parseWebhookUrl(url, config.webhookAllowPrivate), config.webhookAllowPrivate);
        result = await sendSigned(target, webhooks.secrets.open(d.storeId, sealed), d.id, d.payload, config.webhookTimeoutMs, this.stopping.signal);
      } catch (err) {
        if (err instanceof TargetRefused) result = { status: null, error: err.reason };
        else if (err instanceof BadUserInputError) result = { status: null, error: 'bad-url' };
        else throw err;
      }
    }
    // Cut short by a shutdown: not an attempt; the delivery stays due for the next start.
    if (result.error === 'stopped') return;
    const at = new Date();
    const n = d.attempts + 1;
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const next = new Date(at.getTime() + backoffMs(config.webhookRetryBaseMs, n));
    const giveUp = !delivered && (result.error === 'no-target' || next.getTime() > d.createdAt.getTime() + config.webhookRetryForMs);
    const status = delivered ? 'DELIVERED' : giveUp ? 'FAILED' : 'PENDING';
    await catalog.getRepository(WebhookAttemptEntity).insert({ id: randomUUID(), deliveryId: d.id, attempt: n, at, responseStatus: result.status, error: result.error, durationMs: Date.now() - started });
    // Conditional on the attempt count read: an instance that lost the lease cannot overwrite a newer attempt.
    await catalog
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder()
      .update()
      .set({ status, attempts: n, lastAttemptAt: at, responseStatus: result.status, nextAttemptAt: status === 'PENDING' ? next : at })
      .where('id = :id AND attempts = :prev AND status = :pending', { id: d.id, prev: d.attempts, pending: 'PENDING' })
      .execute();
    log.info({ storeId: d.storeId, webhookId: d.id, event: d.event, attempt: n, responseStatus: result.status, error: result.error, status }, 'webhook attempt');
  }
}

/** The worker, started at process start (main.ts); returns a function that stops it. */
export function startWebhookWorker(services: Services): () => Promise<void> {
  const worker = new WebhookWorker(services).start();
  return () => worker.stop();
}
