import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { ForgetRequestEntity, StoreEntity } from '../../entities/catalog';
import type { ForgetStatus } from '../../entities/catalog/forget-request.entity';
import type { Logger } from '../../logging';
import { scrubPersonal } from '../../logging';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditService } from '../audit/audit.service';
import { BadUserInputError } from '../../errors';
import type { SubjectHasher } from '../subject/subject-hasher';
import { Identifiers, parsePerson } from '../subject/subject-input';
import { eraseFootprint, EraseCounts, ZERO_COUNTS } from './erase';
import { lockSubjects } from '../../tenancy/store-lock';
import { findFootprint, Footprint, holdsAnything } from './footprint';
import type { SuppressionService } from './suppression.service';
import { ledgerEntry, WebhookService } from '../webhooks/webhook.service';

/** Backups hold personal data up to 30 days (S5). */
export const BACKUP_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
export const FAILED_MESSAGE = 'The store database failed during the forget; nothing was changed there. Retry to finish.';

export interface ForgetOutcome extends EraseCounts {
  id: string;
  storeId: string;
  /** The ledger's keyed hash of the person as asked for. */
  subjectHash: string;
  status: ForgetStatus | 'DRY_RUN';
  requestedAt: Date;
  completedAt: Date | null;
  backupsClearBy: Date;
  alreadyForgotten: boolean;
  found: boolean;
  reference: string | null;
  failure: string | null;
}

/** A person as the API names them (exactly one of the two). */
export interface PersonInput {
  idOrEmail?: string | null;
  visitorId?: string | null;
}

/** One person of a bulk forget (forgetCustomers), with the caller's own ticket for them. */
export interface SubjectInput extends PersonInput {
  reference?: string | null;
}

/** Subjects one forgetCustomers call may name. */
export const MAX_BULK_SUBJECTS = 1000;

export const MAX_REFERENCE_LENGTH = 128;
// Anything shaped like an address: a reference is a ticket number, never personal data.
const CONTAINS_EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/u;

/** The caller's ticket reference, checked: short, printable, and not an e-mail address. */
export function parseReference(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const ref = raw.trim();
  if (ref.length === 0) return null;
  if (ref.length > MAX_REFERENCE_LENGTH) throw new BadUserInputError(`\`reference\` is longer than ${MAX_REFERENCE_LENGTH} characters`);
  if (/\p{Cc}/u.test(ref)) throw new BadUserInputError('`reference` must not contain control characters');
  if (CONTAINS_EMAIL.test(ref)) throw new BadUserInputError('`reference` must not contain an e-mail address: it is kept on the ledger, which holds no personal data');
  return ref;
}

/** The identifiers an audit entry names the person by (the seed and everything found). */
export const subjectsOf = (ids: Identifiers): Identifiers => ({ emails: [...ids.emails], customerIds: [...ids.customerIds], visitorIds: [...ids.visitorIds] });

export interface ForgetContext extends TenancyContext {
  requestId?: string;
  /** Stores this operation audits itself (so the per-request read audit skips them). */
  reads?: { cover(storeId: string): void };
}

class DryRunRollback extends Error {
  constructor(
    readonly counts: EraseCounts,
    readonly footprint: Footprint,
  ) {
    super('dry run');
  }
}

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
    /** Webhooks out: the store's webhook hears of the outcome (written with the ledger update). */
    private readonly webhooks?: WebhookService,
  ) {}

  async forget(ctx: ForgetContext, person: PersonInput, storeId: string | null | undefined, dryRun = false, reference?: string | null): Promise<ForgetOutcome[]> {
    const subject = parsePerson(person);
    const ref = parseReference(reference);
    const stores = await this.tenancy.storesInScope(ctx, storeId);
    const outcomes: ForgetOutcome[] = [];
    // One store at a time: a failure in one is recorded and the others still complete.
    for (const store of stores) outcomes.push(await this.forgetInStore(ctx, store, subject, dryRun, ref));
    return outcomes;
  }

  /**
   * Bulk forget in one store: every subject is validated before anything runs (an error names
   * `subjects[i].<field>`), then each is forgotten exactly as forgetCustomer does, in order, with
   * one outcome (ledger entry) per subject. A store failure is recorded per subject as FAILED.
   */
  async forgetMany(ctx: ForgetContext, storeId: string, subjects: SubjectInput[], dryRun = false): Promise<ForgetOutcome[]> {
    if (subjects.length === 0 || subjects.length > MAX_BULK_SUBJECTS) throw new BadUserInputError(`\`subjects\` must name 1-${MAX_BULK_SUBJECTS} people`);
    const parsed = subjects.map((s, i) => {
      try {
        return { seed: parsePerson(s), reference: parseReference(s.reference) };
      } catch (err) {
        if (!(err instanceof BadUserInputError)) throw err;
        // The single-person rule's message, with its fields named by position in the list.
        throw new BadUserInputError(`subjects[${i}]: ${err.message.replace(/`(idOrEmail|visitorId|reference)`/g, `\`subjects[${i}].$1\``)}`);
      }
    });
    const store = await this.tenancy.store(ctx, storeId);
    const outcomes: ForgetOutcome[] = [];
    for (const { seed, reference } of parsed) outcomes.push(await this.forgetInStore(ctx, store, seed, dryRun, reference));
    return outcomes;
  }

  private async forgetInStore(ctx: ForgetContext, store: StoreEntity, seed: Identifiers, dryRun: boolean, reference: string | null): Promise<ForgetOutcome> {
    const requestedAt = new Date();
    const subjectHash = this.hasher.subject(store.id, seed);
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
      found: false,
      reference,
      failure: null,
    });
    if (dryRun) {
      const { counts, footprint } = await this.dryRun(ctx, store, seed);
      await this.audit.record(ctx, [{ operation: 'forgetCustomer.dryRun', storeId: store.id, companyId: store.companyId, subjectHash, records: total(counts), subjects: subjectsOf(footprint) }]);
      return { ...request, ...counts, found: holdsAnything(footprint), status: 'DRY_RUN' };
    }
    // While it runs, the forget holds its request's lease (renewed): forget recovery finishes
    // only PENDING requests whose lease is free, i.e. whose process died (forget-recovery.service.ts).
    if (!this.leases) return this.run(ctx, store, seed, request);
    let outcome: ForgetOutcome | undefined;
    await this.leases.withLease(forgetLeaseName(request.id), async () => void (outcome = await this.run(ctx, store, seed, request)), { fresh: true });
    if (!outcome) throw new Error('the lease of a new forget request was held'); // a fresh UUID: cannot happen
    return outcome;
  }

  private async run(ctx: ForgetContext, store: StoreEntity, seed: Identifiers, request: ForgetRequestEntity): Promise<ForgetOutcome> {
    const ledger = this.tenancy.catalogManager(ctx).getRepository(ForgetRequestEntity);
    const subjectHash = request.subjectHash;
    await ledger.insert(request);
    // Forgotten before, under this or another of their identifiers (the suppression list knows).
    const isSuppressed = await this.suppression.matcher(ctx, store.id, seed);
    const knownBefore =
      seed.emails.some((v) => isSuppressed('email', v)) || seed.customerIds.some((v) => isSuppressed('customer', v)) || seed.visitorIds.some((v) => isSuppressed('visitor', v));
    let subjects = subjectsOf(seed);
    // The subject is suppressed before its data is touched, so a sync racing this forget is dropped.
    await this.suppression.suppress(ctx, store.id, seed, request.id);
    try {
      const counts = await this.tenancy.storeTransaction(ctx, store.id, async (em) => {
        await lockSubjects(em, 'exclusive');
        const footprint = await findFootprint(em, seed);
        if (footprint.truncated) this.log.warn({ storeId: store.id, forgetRequestId: request.id }, 'forget: the footprint was cut off at its round limit');
        await this.suppression.suppress(ctx, store.id, footprint, request.id);
        subjects = subjectsOf(footprint);
        return { ...(await eraseFootprint(em, footprint)), found: holdsAnything(footprint) };
      });
      await this.tenancy.flushStore(ctx, store.id);
      Object.assign(request, counts, { status: 'COMPLETED', completedAt: new Date(), alreadyForgotten: knownBefore && total(counts) === 0 });
    } catch (err) {
      this.log.error({ storeId: store.id, forgetRequestId: request.id, err: scrubPersonal(String(err)) }, 'forget failed in a store');
      Object.assign(request, { status: 'FAILED', completedAt: null, failure: FAILED_MESSAGE });
    }
    // The outcome and its webhook event in one catalog transaction: both are recorded, or neither.
    await this.tenancy.catalogTransaction(ctx, async (em) => {
      await em.getRepository(ForgetRequestEntity).update({ id: request.id }, {
        status: request.status,
        completedAt: request.completedAt,
        customersDeleted: request.customersDeleted,
        ordersAnonymized: request.ordersAnonymized,
        visitorsDeleted: request.visitorsDeleted,
        eventsDeleted: request.eventsDeleted,
        alreadyForgotten: request.alreadyForgotten,
        found: request.found,
        failure: request.failure,
      });
      await this.webhooks?.enqueue(em, store.id, request.status === 'COMPLETED' ? 'forget.completed' : 'forget.failed', ledgerEntry(request));
    });
    this.webhooks?.kick();
    await this.audit.record(ctx, [{ operation: 'forgetCustomer', storeId: store.id, companyId: store.companyId, subjectHash, records: total(request), subjects }]);
    this.metrics?.forgets.inc({ status: request.status });
    return { ...request };
  }

  /** The same work in a transaction that is always rolled back: the counts, and no change. */
  private async dryRun(ctx: ForgetContext, store: StoreEntity, seed: Identifiers): Promise<{ counts: EraseCounts; footprint: Footprint }> {
    try {
      await this.tenancy.storeTransaction(ctx, store.id, async (em: EntityManager) => {
        const footprint = await findFootprint(em, seed);
        throw new DryRunRollback(await eraseFootprint(em, footprint), footprint);
      });
    } catch (e) {
      if (e instanceof DryRunRollback) return { counts: e.counts, footprint: e.footprint };
      throw e;
    }
    throw new Error('unreachable: a dry run always rolls back');
  }
}

/** The lease a running forget holds on its request (a fresh UUID: taking it never waits). */
export const forgetLeaseName = (requestId: string) => `forget:${requestId}`;

export const total = (c: EraseCounts) => c.customersDeleted + c.ordersAnonymized + c.visitorsDeleted + c.eventsDeleted;
