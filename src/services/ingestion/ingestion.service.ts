import { EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { StoreEntity } from '../../entities/catalog';
import { CustomerEntity, OrderEntity, OrderLineEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { lockSubjects } from '../../tenancy/store-lock';
import type { SuppressionService } from '../privacy/suppression.service';
import { rollupEventsInserted, rollupOrdersUpserting } from '../stats/rollups';
import { customerRecord, eventRecord, orderRecord, parseBatch } from './ingestion-schemas';
import { addClicks, refreshUnits } from '../profiles/preference-tallies';

const present = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

export interface IngestResult {
  accepted: number;
  suppressed: number;
  emailsDropped: number;
  /** Events of a kind the store does not track, and CRM values it does not collect. */
  droppedBySettings: number;
}

const TRACKED: Record<string, keyof StoreEntity> = { PAGE_VIEW: 'trackPageViews', CONTENT_VIEW: 'trackContentViews', CLICK: 'trackClicks' };
const CRM_FIELDS = ['name', 'age', 'gender', 'city', 'attributes'] as const;

/** Rows per INSERT statement: well under SQLite's bound-variable limit for every table. */
const INSERT_CHUNK = 200;

async function insertChunked<T extends object>(em: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await em.insert(entity, rows.slice(i, i + INSERT_CHUNK) as QueryDeepPartialEntity<T>[]);
}

/**
 * INSERT … ON DUPLICATE KEY UPDATE (ON CONFLICT on SQLite) by primary key: two batches racing
 * on the same new ID both succeed, where a read-then-insert would fail the second.
 */
async function upsertChunked<T extends { id: string }>(em: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await em.upsert(entity, rows.slice(i, i + INSERT_CHUNK) as QueryDeepPartialEntity<T>[], { conflictPaths: ['id'], skipUpdateIfNoValuesChanged: false });
}

/**
 * Batch ingestion (S7). A batch is validated whole, then written in one transaction on the
 * store's database: all of it or none of it. E-mails are kept only where the store has
 * enabled e-mail collection; otherwise they are dropped before anything is written.
 *
 * Suppression (S6): records of a forgotten person are dropped (orders are kept, anonymized).
 * The check runs inside the transaction, after taking the store's subject lock in share mode,
 * so it cannot miss a forget that is running at the same moment (see privacy/erase.ts).
 */
export class IngestionService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly suppression: SuppressionService,
  ) {}

  async upsertCustomers(ctx: TenancyContext, storeId: string, input: unknown[]): Promise<IngestResult> {
    const records = parseBatch('customers', customerRecord, input, (r) => r.id);
    return this.tenancy.storeTransaction(ctx, storeId, async (em, store) => {
      // Counted afresh by each attempt: a transaction retried after a deadlock starts over.
      const result: IngestResult = { accepted: 0, suppressed: 0, emailsDropped: 0, droppedBySettings: 0 };
      await lockSubjects(em, 'share');
      const isSuppressed = await this.suppression.matcher(ctx, store.id, { emails: present(records.map((r) => r.email)), customerIds: records.map((r) => r.id), visitorIds: [] });
      const kept = records.filter((r) => !isSuppressed('customer', r.id) && !isSuppressed('email', r.email));
      result.suppressed = records.length - kept.length;
      if (kept.length === 0) return result;
      const existing = new Map((await em.findBy(CustomerEntity, { id: In(kept.map((r) => r.id)) })).map((c) => [c.id, c]));
      const now = new Date();
      const rows = kept.map((r) => {
        const before = existing.get(r.id);
        const email = this.keepEmail(store, r.email, result);
        if (!store.collectCrm && CRM_FIELDS.some((f) => r[f] !== undefined && r[f] !== null)) {
          // CRM collection is off: nothing of it is written (what was collected before stays until erased).
          result.droppedBySettings++;
          for (const f of CRM_FIELDS) delete r[f];
        }
        return Object.assign(new CustomerEntity(), {
          id: r.id,
          email: email === undefined ? (before?.email ?? null) : email,
          name: pick(r.name, before?.name),
          age: pick(r.age, before?.age),
          gender: pick(r.gender, before?.gender),
          city: pick(r.city, before?.city),
          attributes: pick(r.attributes, before?.attributes),
          createdAt: before?.createdAt ?? now,
          updatedAt: now,
        });
      });
      await upsertChunked(em, CustomerEntity, rows);
      result.accepted = rows.length;
      return result;
    });
  }

  async trackEvents(ctx: TenancyContext, storeId: string, input: unknown[]): Promise<IngestResult> {
    const records = parseBatch('events', eventRecord, input);
    return this.tenancy.storeTransaction(ctx, storeId, async (em, store) => {
      // Counted afresh by each attempt: a transaction retried after a deadlock starts over.
      const result: IngestResult = { accepted: 0, suppressed: 0, emailsDropped: 0, droppedBySettings: 0 };
      const isSuppressed = await this.lockAndMatch(ctx, em, store, records);
      const allowed = records.filter((r) => store[TRACKED[r.type]] === true);
      result.droppedBySettings = records.length - allowed.length;
      const kept = allowed.filter((r) => !isSuppressed('visitor', r.visitorId) && !isSuppressed('customer', r.customerId) && !isSuppressed('email', r.email));
      result.suppressed = allowed.length - kept.length;
      if (kept.length === 0) return result;
      const now = new Date();
      const visitorIds = [...new Set(kept.map((r) => r.visitorId))];
      const visitors = new Map((await em.findBy(VisitorEntity, { id: In(visitorIds) })).map((v) => [v.id, v]));
      const touched = new Set<string>();
      const events = kept.map((r) => {
        const at = r.occurredAt ?? now;
        const email = this.keepEmail(store, r.email, result);
        let v = visitors.get(r.visitorId);
        if (!v) {
          v = Object.assign(new VisitorEntity(), { id: r.visitorId, customerId: null, email: null, firstSeenAt: at, lastSeenAt: at });
          visitors.set(v.id, v);
        }
        if (at < v.firstSeenAt) v.firstSeenAt = at;
        if (at > v.lastSeenAt) v.lastSeenAt = at;
        if (r.customerId) v.customerId = r.customerId;
        if (email) v.email = email;
        touched.add(v.id);
        return Object.assign(new VisitEventEntity(), {
          visitorId: r.visitorId,
          type: r.type,
          url: r.url ?? null,
          productId: r.productId ?? null,
          contentId: r.contentId ?? null,
          occurredAt: at,
          durationSeconds: r.durationSeconds ?? null,
        });
      });
      await upsertChunked(em, VisitorEntity, [...touched].map((id) => visitors.get(id)!));
      await insertChunked(em, VisitEventEntity, events);
      await rollupEventsInserted(em, events);
      await addClicks(em, events);
      result.accepted = events.length;
      return result;
    });
  }

  async upsertOrders(ctx: TenancyContext, storeId: string, input: unknown[]): Promise<IngestResult> {
    const records = parseBatch('orders', orderRecord, input, (r) => r.id);
    return this.tenancy.storeTransaction(ctx, storeId, async (em, store) => {
      // Counted afresh by each attempt: a transaction retried after a deadlock starts over.
      const result: IngestResult = { accepted: 0, suppressed: 0, emailsDropped: 0, droppedBySettings: 0 };
      const isSuppressed = await this.lockAndMatch(ctx, em, store, records);
      const ids = records.map((r) => r.id);
      const existing = new Map((await em.findBy(OrderEntity, { id: In(ids) })).map((o) => [o.id, o]));
      const now = new Date();
      const orders = records.map((r) => {
        const before = existing.get(r.id);
        const email = this.keepEmail(store, r.email, result);
        // A forgotten buyer's order is kept, anonymized on arrival.
        const suppressed = isSuppressed('customer', r.customerId) || isSuppressed('email', r.email) || isSuppressed('visitor', r.visitorId);
        if (suppressed) result.suppressed++;
        const anonymized = suppressed || (before?.anonymized ?? false);
        return Object.assign(new OrderEntity(), {
          id: r.id,
          customerId: anonymized ? null : (r.customerId ?? null),
          email: anonymized ? null : (email ?? null),
          visitorId: anonymized ? null : (r.visitorId ?? null),
          createdAt: r.createdAt ?? before?.createdAt ?? now,
          currency: r.currency,
          // In integer cents, exact: a float sum of prices drifts (0.1 + 0.2).
          total: r.lines.reduce((s, l) => s + l.quantity * Math.round(l.unitPrice * 100), 0) / 100,
          anonymized,
        });
      });
      await rollupOrdersUpserting(em, orders, records.map((r) => r.lines));
      await upsertChunked(em, OrderEntity, orders);
      // An order sent again replaces its lines: the shop's latest word on what was bought.
      await em.delete(OrderLineEntity, { orderId: In(ids) });
      const lines = records.flatMap((r) =>
        r.lines.map((l) => Object.assign(new OrderLineEntity(), { orderId: r.id, productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })),
      );
      await insertChunked(em, OrderLineEntity, lines);
      await refreshUnits(em, [...[...existing.values()].map((o) => o.customerId), ...orders.map((o) => o.customerId)]);
      result.accepted = orders.length;
      return result;
    });
  }

  /**
   * Takes the store's subject lock in share mode, then reads which of the batch's people are
   * suppressed: in this order, a forget running now cannot slip between the check and the write.
   */
  private async lockAndMatch(
    ctx: TenancyContext,
    em: EntityManager,
    store: StoreEntity,
    records: { email?: string | null; customerId?: string | null; visitorId?: string | null }[],
  ) {
    await lockSubjects(em, 'share');
    return this.suppression.matcher(ctx, store.id, {
      emails: present(records.map((r) => r.email)),
      customerIds: present(records.map((r) => r.customerId)),
      visitorIds: present(records.map((r) => r.visitorId)),
    });
  }

  /** undefined: not sent, or dropped because the store does not collect e-mails; null: sent empty. */
  private keepEmail(store: StoreEntity, email: string | null | undefined, result: IngestResult): string | null | undefined {
    if (email && !store.collectEmails) {
      result.emailsDropped++;
      return undefined;
    }
    return email;
  }
}

function pick<T>(sent: T | null | undefined, before: T | null | undefined): T | null {
  return sent === undefined ? (before ?? null) : sent;
}
