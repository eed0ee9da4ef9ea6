import { createHmac, timingSafeEqual } from 'node:crypto';
import { In, IsNull, QueryFailedError } from 'typeorm';
import { createContext, type Services } from '../../context';
import { ShopifyWebhookEntity, StoreEntity } from '../../entities/catalog';
import { OrderEntity } from '../../entities/store';
import { scrubPersonal } from '../../logging';
import { operatorPrincipal } from '../../auth/principal';
import { rollupOrdersAnonymizing } from '../stats/rollups';
import { lockSubjects } from '../../tenancy/store-lock';
import type { Caller } from '../../tenancy/tenancy';
import { refreshUnits } from '../profiles/preference-tallies';

/** Shopify's mandatory compliance topics (the only ones this endpoint takes). */
export const SHOPIFY_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

/** Webhook work acts as the platform on the shop's behalf; audit entries name `shopify`. */
export const SHOPIFY_PRINCIPAL = operatorPrincipal('shopify');
/** Webhooks in are verified by their HMAC and worked by the platform: the whole catalog. */
const SHOPIFY: Caller = { principal: SHOPIFY_PRINCIPAL };
/** One instance at a time works the queue. */
export const SHOPIFY_QUEUE_LEASE = 'shopify-webhooks';
/** Attempts before an item is left FAILED (its payload cleared). */
export const MAX_ATTEMPTS = 5;
const PER_PASS = 50;

/** Why a webhook was not recorded, as the HTTP answer says it. */
export type Refusal = { status: 400 | 401; message: string };

export interface IncomingWebhook {
  rawBody: Buffer;
  hmac: string | undefined;
  topic: string | undefined;
  shopDomain: string | undefined;
  webhookId: string | undefined;
}

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body with the app's secret, compared in constant time. */
export function validShopifyHmac(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface CustomerPayload {
  customer?: { id?: unknown; email?: unknown };
  orders_to_redact?: unknown;
}

/**
 * Shopify's compliance webhooks (POST /webhooks/shopify): verified, recorded in a durable queue
 * in the catalog (idempotent on the webhook ID), answered, then worked off by one instance at a
 * time: customers/redact forgets the customer (by ID and by e-mail) and anonymizes the listed
 * orders; shop/redact deletes the store as deleteStore does; customers/data_request prepares the
 * person's report (recorded as ready; the shop fetches it with privacyReport, it is never sent).
 */
export class ShopifyWebhookService {
  private running = false;
  private again = false;

  constructor(private readonly services: Services) {}

  /** The queue and the stores of every company. */
  private get catalog() {
    return this.services.tenancy.operatorCatalog(SHOPIFY);
  }

  /** Verifies and records one webhook. Returns null when recorded (or recorded before), else why not. */
  async receive(w: IncomingWebhook): Promise<Refusal | null> {
    const secret = this.services.config.shopifyApiSecret;
    // No secret configured: nothing can be verified, so nothing is accepted.
    if (!secret || !validShopifyHmac(secret, w.rawBody, w.hmac)) return { status: 401, message: 'invalid or missing X-Shopify-Hmac-Sha256' };
    if (!w.topic || !(SHOPIFY_TOPICS as readonly string[]).includes(w.topic)) return { status: 400, message: `X-Shopify-Topic must be one of ${SHOPIFY_TOPICS.join(', ')}` };
    if (!w.webhookId || w.webhookId.length > 100 || /[^\x21-\x7e]/.test(w.webhookId)) return { status: 400, message: 'X-Shopify-Webhook-Id is required (at most 100 printable characters)' };
    const domain = (w.shopDomain ?? '').trim().toLowerCase();
    if (!domain || domain.length > 255) return { status: 400, message: 'X-Shopify-Shop-Domain is required' };
    try {
      const body = JSON.parse(w.rawBody.toString('utf8')) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return { status: 400, message: 'the body must be a JSON object' };
    }
    const queue = this.catalog.getRepository(ShopifyWebhookEntity);
    if (await queue.existsBy({ webhookId: w.webhookId })) return null; // a retry or replay: done once
    const store = await this.catalog.getRepository(StoreEntity).findOneBy({ shopifyDomain: domain, deletedAt: IsNull() });
    if (!store) {
      // No store is linked to that shop (never linked, or deleted already): nothing is held.
      this.services.log.info({ topic: w.topic }, 'shopify webhook for a shop linked to no store: nothing to do');
      return null;
    }
    try {
      await queue.insert({ webhookId: w.webhookId, topic: w.topic, shopDomain: domain, storeId: store.id, payload: w.rawBody.toString('utf8'), status: 'PENDING', attempts: 0, receivedAt: new Date(), processedAt: null, outcome: null });
    } catch (err) {
      if (!isDuplicate(err)) throw err; // else the same webhook, delivered twice at once
    }
    this.kick();
    return null;
  }

  /** Works the queue soon, in this process (the poller catches what a busy or dead instance left). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => {
      void (async () => {
        try {
          do {
            this.again = false;
            await this.processPending();
          } while (this.again);
        } catch (err) {
          this.services.log.error({ err: scrubPersonal(String(err)) }, 'shopify webhook pass failed');
        } finally {
          this.running = false;
        }
      })();
    });
  }

  /** One pass over the queue, holding the queue lease. Returns items handled, or null when another instance holds it. */
  async processPending(): Promise<number | null> {
    let handled = 0;
    const queue = this.catalog.getRepository(ShopifyWebhookEntity);
    const ran = await this.services.leases.withLease(SHOPIFY_QUEUE_LEASE, async (lease) => {
      for (;;) {
        const items = await queue.find({ where: { status: 'PENDING' }, order: { receivedAt: 'ASC' }, take: PER_PASS });
        if (items.length === 0) return;
        for (const item of items) {
          if (lease.lost) return;
          await this.processOne(item);
          handled++;
        }
      }
    });
    return ran ? handled : null;
  }

  private async processOne(item: ShopifyWebhookEntity): Promise<void> {
    const queue = this.catalog.getRepository(ShopifyWebhookEntity);
    try {
      const outcome = await this.handle(item);
      // Done: the payload (it names the shopper) goes.
      await queue.update({ webhookId: item.webhookId }, { status: 'DONE', payload: null, processedAt: new Date(), outcome, attempts: item.attempts + 1 });
    } catch (err) {
      const attempts = item.attempts + 1;
      const last = attempts >= MAX_ATTEMPTS;
      this.services.log.error({ webhookId: item.webhookId, topic: item.topic, attempts, err: scrubPersonal(String(err)) }, 'shopify webhook failed');
      await queue.update(
        { webhookId: item.webhookId },
        last ? { status: 'FAILED', payload: null, attempts, processedAt: new Date(), outcome: 'failed; the shop may resend it' } : { attempts },
      );
    }
  }

  private async handle(item: ShopifyWebhookEntity): Promise<string> {
    const ctx = createContext(this.services, SHOPIFY_PRINCIPAL);
    const store = await this.catalog.getRepository(StoreEntity).findOneBy({ id: item.storeId, deletedAt: IsNull() });
    if (!store) return 'store deleted already: nothing held';
    const payload = JSON.parse(item.payload ?? '{}') as CustomerPayload;
    const reference = `shopify:${item.webhookId}`.slice(0, 128);
    if (item.topic === 'shop/redact') {
      const r = await this.services.storeDeletions.deleteStore(ctx, store, 'shop/redact');
      return `store deleted (deletion ${r.deletion.id})`;
    }
    const people = identifiersOf(payload);
    if (item.topic === 'customers/data_request') {
      // The report is prepared (and audited) now; the shop fetches it with privacyReport.
      const records = new Set<string>();
      for (const idOrEmail of people) {
        const report = await this.services.reports.report(ctx, { idOrEmail }, store.id);
        for (const s of report.stores) {
          for (const c of s.customers) records.add(`customer:${c.id}`);
          for (const o of s.orders) records.add(`order:${o.id}`);
          for (const v of s.visitors) records.add(`visitor:${v.id}`);
        }
      }
      // The store hears that it is ready (never the report itself: it holds personal data).
      const webhooks = this.services.webhooks;
      const enqueued = await this.services.tenancy.catalogTransaction(ctx, (em) =>
        webhooks.enqueue(em, store.id, 'access.ready', { storeId: store.id, reference, records: records.size, preparedAt: new Date().toISOString(), fetchWith: 'privacyReport' }),
      );
      if (enqueued) webhooks.kick();
      return `report ready (${records.size} records held; fetch it with privacyReport)`;
    }
    // customers/redact
    const requests: string[] = [];
    for (const idOrEmail of people) {
      const outcomes = await this.services.forget.forget(ctx, { idOrEmail }, store.id, false, reference);
      for (const o of outcomes) {
        if (o.status === 'FAILED') throw new Error('a forget failed in the store; retried');
        requests.push(o.id);
      }
    }
    const orders = orderIdsOf(payload);
    let anonymized = 0;
    if (orders.length) {
      anonymized = await this.services.tenancy.storeTransaction(ctx, store.id, async (em) => {
        await lockSubjects(em, 'exclusive');
        await rollupOrdersAnonymizing(em, orders);
        const buyers = await em.find(OrderEntity, { where: { id: In(orders), anonymized: false }, select: { id: true, customerId: true } });
        const n = (await em.update(OrderEntity, { id: In(orders), anonymized: false }, { customerId: null, email: null, visitorId: null, anonymized: true })).affected ?? 0;
        await refreshUnits(em, buyers.map((o) => o.customerId));
        return n;
      });
      await this.services.tenancy.flushStore(ctx, store.id);
      await this.services.audit.record(ctx, [{ operation: 'shopify.ordersRedacted', storeId: store.id, companyId: store.companyId, records: anonymized }]);
    }
    return `forget requests ${requests.join(', ') || 'none'}; further orders anonymized: ${anonymized}`;
  }
}

/** The customer's ID and e-mail, as Shopify sends them (the ID is a number). */
function identifiersOf(p: CustomerPayload): string[] {
  const out: string[] = [];
  const id = p.customer?.id;
  if ((typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.trim())) out.push(String(id).trim());
  const email = p.customer?.email;
  if (typeof email === 'string' && email.includes('@')) out.push(email);
  return out;
}

function orderIdsOf(p: CustomerPayload): string[] {
  if (!Array.isArray(p.orders_to_redact)) return [];
  return p.orders_to_redact.filter((o) => (typeof o === 'number' && Number.isSafeInteger(o)) || (typeof o === 'string' && o.length > 0 && o.length <= 64)).map(String).slice(0, 10_000);
}

function isDuplicate(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const d = err.driverError as { errno?: number; code?: string } | undefined;
  return d?.errno === 1062 || /^SQLITE_CONSTRAINT/.test(d?.code ?? '');
}

/** Works the queue every SHOPIFY_POLL_INTERVAL (items a dead or busy instance left). Returns a stop function. */
export function startShopifyQueue(service: ShopifyWebhookService, everyMs: number): () => void {
  if (everyMs <= 0) return () => undefined;
  const timer = setInterval(() => service.kick(), everyMs);
  timer.unref();
  service.kick();
  return () => clearInterval(timer);
}
