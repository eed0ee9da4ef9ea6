import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ForgetRequestEntity, StoreEntity } from '../../entities/catalog';
import type { ForgetStatus } from '../../entities/catalog/forget-request.entity';
import type { Logger } from '../../logging';
import { scrubPersonal } from '../../logging';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditService } from '../audit/audit.service';
import { parseIdOrEmail } from '../profiles/profile.service';
import type { Subject } from '../subject/normalize';
import type { SubjectHasher } from '../subject/subject-hasher';
import { eraseFootprint, EraseCounts, flushDeletedPages, lockSubjects, ZERO_COUNTS } from './erase';
import { findFootprint, Identifiers } from './footprint';
import type { SuppressionService } from './suppression.service';

/** Backups hold personal data up to 30 days (S5). */
export const BACKUP_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
export const FAILED_MESSAGE = 'The store database failed during the forget; nothing was changed there. Retry to finish.';

export interface ForgetOutcome extends EraseCounts {
  id: string;
  storeId: string;
  status: ForgetStatus | 'DRY_RUN';
  requestedAt: Date;
  completedAt: Date | null;
  backupsClearBy: Date;
  alreadyForgotten: boolean;
  failure: string | null;
}

export interface ForgetContext extends TenancyContext {
  requestId?: string;
  /** Stores this operation audits itself (so the per-request read audit skips them). */
  reads?: { cover(storeId: string): void };
}

class DryRunRollback extends Error {
  constructor(readonly counts: EraseCounts) {
    super('dry run');
  }
}

export const seedOf = (s: Subject): Identifiers => (s.kind === 'email' ? { emails: [s.email], customerIds: [], visitorIds: [] } : { emails: [], customerIds: [s.id], visitorIds: [] });

/**
 * Forget (S4, S5, S6), exactly as design.md's "Forget, precisely": per store one transaction
 * that erases the person's data; in the catalog the suppression list, the ledger (keyed hashes
 * only) and an audit entry. A store that fails is reported FAILED and can be retried alone.
 */
export class ForgetService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
    private readonly suppression: SuppressionService,
    private readonly audit: AuditService,
    private readonly log: Logger,
    private readonly metrics?: { forgets: { inc(labels: { status: string }): void } },
    /** Leases (locks/lease.service.ts): a running forget holds one on its request. */
    private readonly leases?: { withLease(name: string, work: () => Promise<void>, opts: { fresh: boolean }): Promise<boolean> },
  ) {}

  async forget(ctx: ForgetContext, idOrEmail: string, storeId: string | null | undefined, dryRun = false): Promise<ForgetOutcome[]> {
    const subject = parseIdOrEmail(idOrEmail);
    const stores = storeId ? [await this.tenancy.store(ctx, storeId)] : await this.tenancy.reachableStores(ctx);
    const outcomes: ForgetOutcome[] = [];
    // One store at a time: a failure in one is recorded and the others still complete.
    for (const store of stores) outcomes.push(await this.forgetInStore(ctx, store, subject, dryRun));
    return outcomes;
  }

  subjectHash(storeId: string, subject: Subject): string {
    return subject.kind === 'email' ? this.hasher.hash(storeId, 'email', subject.email) : this.hasher.hash(storeId, 'customer', subject.id);
  }

  private async forgetInStore(ctx: ForgetContext, store: StoreEntity, subject: Subject, dryRun: boolean): Promise<ForgetOutcome> {
    const requestedAt = new Date();
    const subjectHash = this.subjectHash(store.id, subject);
    const request: ForgetRequestEntity = Object.assign(new ForgetRequestEntity(), {
      id: randomUUID(),
      storeId: store.id,
      companyId: store.companyId,
      subjectHash,
      status: 'PENDING' as ForgetStatus,
      requestedByKeyId: this.tenancy.principal(ctx).apiKeyId,
      requestedAt,
      completedAt: null,
      backupsClearBy: new Date(requestedAt.getTime() + BACKUP_RETENTION_DAYS * DAY_MS),
      ...ZERO_COUNTS,
      alreadyForgotten: false,
      failure: null,
    });
    if (dryRun) {
      const counts = await this.dryRun(ctx, store, subject);
      await this.audit.record(ctx, [{ operation: 'forgetCustomer.dryRun', storeId: store.id, companyId: store.companyId, subjectHash, records: total(counts) }]);
      return { ...request, ...counts, status: 'DRY_RUN' };
    }
    // While it runs, the forget holds its request's lease (renewed): forget recovery finishes
    // only PENDING requests whose lease is free, i.e. whose process died (forget-recovery.service.ts).
    if (!this.leases) return this.run(ctx, store, subject, request);
    let outcome: ForgetOutcome | undefined;
    await this.leases.withLease(forgetLeaseName(request.id), async () => void (outcome = await this.run(ctx, store, subject, request)), { fresh: true });
    if (!outcome) throw new Error('the lease of a new forget request was held'); // a fresh UUID: cannot happen
    return outcome;
  }

  private async run(ctx: ForgetContext, store: StoreEntity, subject: Subject, request: ForgetRequestEntity): Promise<ForgetOutcome> {
    const ledger = this.tenancy.catalog.getRepository(ForgetRequestEntity);
    const subjectHash = request.subjectHash;
    await ledger.insert(request);
    // Forgotten before, under this or another of their identifiers (the suppression list knows).
    const seed = seedOf(subject);
    const isSuppressed = await this.suppression.matcher(store.id, seed);
    const knownBefore = subject.kind === 'email' ? isSuppressed('email', subject.email) : isSuppressed('customer', subject.id);
    // The subject is suppressed before its data is touched, so a sync racing this forget is dropped.
    await this.suppression.suppress(store.id, seed, request.id);
    try {
      const counts = await this.tenancy.storeTransaction(ctx, store.id, async (em) => {
        await lockSubjects(em, 'exclusive');
        const footprint = await findFootprint(em, seed);
        await this.suppression.suppress(store.id, footprint, request.id);
        return eraseFootprint(em, footprint);
      });
      await flushDeletedPages(await this.tenancy.registry.manager(store));
      Object.assign(request, counts, { status: 'COMPLETED', completedAt: new Date(), alreadyForgotten: knownBefore && total(counts) === 0 });
    } catch (err) {
      this.log.error({ storeId: store.id, forgetRequestId: request.id, err: scrubPersonal(String(err)) }, 'forget failed in a store');
      Object.assign(request, { status: 'FAILED', completedAt: null, failure: FAILED_MESSAGE });
    }
    await ledger.update({ id: request.id }, {
      status: request.status,
      completedAt: request.completedAt,
      customersDeleted: request.customersDeleted,
      ordersAnonymized: request.ordersAnonymized,
      visitorsDeleted: request.visitorsDeleted,
      eventsDeleted: request.eventsDeleted,
      alreadyForgotten: request.alreadyForgotten,
      failure: request.failure,
    });
    await this.audit.record(ctx, [{ operation: 'forgetCustomer', storeId: store.id, companyId: store.companyId, subjectHash, records: total(request) }]);
    this.metrics?.forgets.inc({ status: request.status });
    return { ...request };
  }

  /** The same work in a transaction that is always rolled back: the counts, and no change. */
  private async dryRun(ctx: ForgetContext, store: StoreEntity, subject: Subject): Promise<EraseCounts> {
    try {
      await this.tenancy.storeTransaction(ctx, store.id, async (em: EntityManager) => {
        throw new DryRunRollback(await eraseFootprint(em, await findFootprint(em, seedOf(subject))));
      });
    } catch (e) {
      if (e instanceof DryRunRollback) return e.counts;
      throw e;
    }
    return ZERO_COUNTS;
  }
}

/** The lease a running forget holds on its request (a fresh UUID: taking it never waits). */
export const forgetLeaseName = (requestId: string) => `forget:${requestId}`;

export const total = (c: EraseCounts) => c.customersDeleted + c.ordersAnonymized + c.visitorsDeleted + c.eventsDeleted;
