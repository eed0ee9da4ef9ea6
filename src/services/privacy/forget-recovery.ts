import { ForgetRequestEntity } from '../../entities/catalog';
import { createContext, type Context, type Services } from '../../context';
import { operatorPrincipal } from '../../auth/principal';
import { scrubPersonal } from '../../logging';
import { startPeriodicPass } from '../locks/periodic-pass';
import { forgetLeaseName, total } from './forget.service';
import { ledgerEntry } from '../webhooks/webhook.service';

/** Recovery acts as the platform itself; its audit entries name `system`. */
export const SYSTEM_PRINCIPAL = operatorPrincipal('system');
/** One instance at a time looks for abandoned requests. */
export const RECOVERY_LEASE = 'forget-recovery';
/** The ledger's reason when a recovered request could not be finished either (never SQL or data). */
export const RECOVERY_FAILED = 'The gateway stopped during this forget and could not finish it afterwards; nothing more was changed in the store. Retry to finish.';
/** Requests finished per pass: a backlog is worked off over several passes, none runs unbounded. */
const PER_PASS = 100;

export interface RecoveryPass {
  completed: number;
  failed: number;
  /** PENDING requests still running in a live instance (their lease is held): left alone. */
  running: number;
}

/**
 * Finishes forget requests left PENDING by a process that died mid-forget (SIGKILL, lost host).
 * Such a request's store transaction rolled back, but the suppression entries it wrote before
 * touching the store are in the catalog: the request is replayed from them (as a backup replay
 * matches hashes) and ends COMPLETED with the counts, or FAILED with a generic reason.
 *
 * A PENDING request may also simply be running in another live instance. Every running forget
 * holds the lease `forget:<request id>` and renews it (forget.service.ts), so recovery takes a
 * request only by taking that lease: it succeeds only once the holder stopped renewing, i.e. its
 * process is gone (after at most LEASE_TTL). An age bound alone would take over a forget that is
 * merely slow; the lease cannot. Having taken the lease, the request is read again: it may have
 * finished in between.
 *
 * Returns null when another instance holds the recovery lease.
 */
export async function recoverForgets(services: Services): Promise<RecoveryPass | null> {
  const ctx = createContext(services, SYSTEM_PRINCIPAL);
  const ledger = services.tenancy.operatorCatalog(ctx).getRepository(ForgetRequestEntity); // every company's
  const pass: RecoveryPass = { completed: 0, failed: 0, running: 0 };
  const ran = await services.leases.withLease(RECOVERY_LEASE, async (lease) => {
    // Request leases of processes that died after finishing (before releasing): nothing to recover.
    await services.leases.sweep(forgetLeaseName(''), 3_600_000);
    const pending = await ledger.find({ where: { status: 'PENDING' }, order: { requestedAt: 'ASC' }, take: PER_PASS, select: { id: true } });
    for (const { id } of pending) {
      if (lease.lost) return;
      const own = await services.leases.tryAcquire(forgetLeaseName(id));
      if (!own) {
        pass.running++;
        continue;
      }
      try {
        const request = await ledger.findOneBy({ id, status: 'PENDING' });
        if (!request) continue;
        let status: 'COMPLETED' | 'FAILED' = 'COMPLETED';
        let records = 0;
        try {
          const counts = await services.replay.replayRequest(ctx, request);
          records = total(counts);
          await finish(services, ctx, request, { ...counts, status, completedAt: new Date(), alreadyForgotten: false, failure: null });
        } catch (err) {
          status = 'FAILED';
          ctx.log.error({ storeId: request.storeId, forgetRequestId: id, err: scrubPersonal(String(err)) }, 'forget recovery failed');
          await finish(services, ctx, request, { status, failure: RECOVERY_FAILED });
        }
        pass[status === 'COMPLETED' ? 'completed' : 'failed']++;
        await services.audit.record(ctx, [{ operation: 'forgetCustomer.recovered', storeId: request.storeId, companyId: request.companyId, subjectHash: request.subjectHash, records }]);
        services.metrics.forgets.inc({ status });
        ctx.log.info({ storeId: request.storeId, forgetRequestId: id, status, records }, 'forget request recovered');
      } finally {
        await own.release();
      }
    }
  });
  return ran ? pass : null;
}

/**
 * Records a recovered request's outcome and its webhook event in one catalog transaction
 * (conditional on it still being PENDING: an outcome is written once).
 */
async function finish(services: Services, ctx: Context, request: ForgetRequestEntity, outcome: Partial<ForgetRequestEntity>): Promise<void> {
  await services.tenancy.catalogTransaction(ctx, async (em) => {
    const r = await em.getRepository(ForgetRequestEntity).update({ id: request.id, status: 'PENDING' }, outcome);
    if (r.affected === 0) return;
    const done = Object.assign(new ForgetRequestEntity(), request, outcome);
    await services.webhooks.enqueue(em, request.storeId, done.status === 'COMPLETED' ? 'forget.completed' : 'forget.failed', ledgerEntry(done));
  });
  services.webhooks.kick();
}

/**
 * Recovery at start and every FORGET_RECOVERY_INTERVAL (0: never). A request abandoned by a
 * process that just died still has its lease for up to LEASE_TTL, so the pass at start may
 * leave it for the next one. Returns a function that stops the schedule.
 */
export function startForgetRecovery(services: Services): () => void {
  return startPeriodicPass(
    services.config.forgetRecoveryIntervalMs,
    async () => {
      const r = await recoverForgets(services);
      if (r && r.completed + r.failed > 0) services.log.info(r, 'forget recovery pass');
    },
    (err) => services.log.error({ err: scrubPersonal(String(err)) }, 'forget recovery pass failed'),
  );
}
