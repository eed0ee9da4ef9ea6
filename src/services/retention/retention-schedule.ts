import { createContext, type Services } from '../../context';
import { operatorPrincipal } from '../../auth/principal';
import { PurgeRunEntity } from '../../entities/catalog';
import { withRetentionLock } from './retention-lock';

/** Scheduled work acts as the platform itself; the audit trail and purge runs name it `schedule`. */
export const SCHEDULE_PRINCIPAL = operatorPrincipal('schedule');

/** Runs the purge over every store now, unless another instance is already doing it. */
export async function runScheduledPurge(services: Services): Promise<'ran' | 'skipped'> {
  const ctx = createContext(services, SCHEDULE_PRINCIPAL);
  const ran = await withRetentionLock(services.leases, async (lease) => {
    const totals = await services.retention.purge(ctx, null, { chunkSize: services.config.retentionChunk, triggeredBy: 'schedule', shouldStop: () => lease.lost });
    ctx.log.info({ stores: totals.runs.length, eventsDeleted: totals.eventsDeleted, visitorsDeleted: totals.visitorsDeleted }, 'retention purge done');
  });
  if (!ran) ctx.log.info('retention purge skipped: another instance holds the lease');
  return ran ? 'ran' : 'skipped';
}

/** When the last scheduled purge that finished started, as the catalog records it (any instance). */
export async function lastScheduledPurge(services: Services): Promise<Date | null> {
  const row = await services.tenancy
    .operatorCatalog({ principal: SCHEDULE_PRINCIPAL })
    .getRepository(PurgeRunEntity)
    .createQueryBuilder('r')
    .select('MAX(r.startedAt)', 'at')
    .where('r.triggeredBy = :by AND r.status = :status', { by: 'schedule', status: 'COMPLETED' })
    .getRawOne<{ at: string | Date | null }>();
  if (!row?.at) return null;
  // SQLite hands back the stored UTC text, MySQL a Date.
  return row.at instanceof Date ? row.at : new Date(`${String(row.at).replace(' ', 'T')}Z`);
}

/**
 * How long to wait for the next scheduled purge: RETENTION_INTERVAL after the last recorded one
 * (by whichever instance ran it, so restarts do not reset the clock), but at least
 * RETENTION_START_DELAY when none is recorded or it is overdue (a restarted gateway purges soon,
 * not a whole interval later).
 */
export function nextPurgeDelay(last: Date | null, now: Date, intervalMs: number, startDelayMs: number): number {
  if (!last) return startDelayMs;
  return Math.max(startDelayMs, last.getTime() + intervalMs - now.getTime());
}

/**
 * The retention schedule: the next run is due RETENTION_INTERVAL after the last recorded run
 * (see nextPurgeDelay); one instance at a time runs it (the lease). Returns a function that stops it.
 */
export function startRetentionSchedule(services: Services): () => void {
  const every = services.config.retentionIntervalMs;
  if (every <= 0) return () => undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ranHere: Date | null = null;
  const plan = async () => {
    let delay: number;
    try {
      const recorded = await lastScheduledPurge(services);
      // A run this process made but that recorded nothing (no stores) still counts.
      const last = recorded && ranHere ? (recorded > ranHere ? recorded : ranHere) : (recorded ?? ranHere);
      delay = nextPurgeDelay(last, new Date(), every, services.config.retentionStartDelayMs);
    } catch (err) {
      services.log.error({ err: String(err) }, 'retention schedule: the catalog did not answer; trying again later');
      delay = Math.max(services.config.retentionStartDelayMs, 60_000);
    }
    if (stopped) return;
    // setTimeout takes at most 2^31-1 ms (~24.8 days); a longer wait is planned again then.
    const capped = Math.min(delay, 2 ** 31 - 1);
    timer = setTimeout(() => void fire(capped === delay), capped);
    timer.unref();
  };
  const fire = async (due: boolean) => {
    if (due) {
      const started = new Date();
      try {
        if ((await runScheduledPurge(services)) === 'ran') ranHere = started;
      } catch (err) {
        services.log.error({ err: String(err) }, 'scheduled retention purge failed');
      }
    }
    if (!stopped) await plan();
  };
  void plan();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
