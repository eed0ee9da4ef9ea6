import { randomUUID } from 'node:crypto';
import type { Context, Services } from '../../context';
import type { Principal } from '../auth/principal';
import { ALL_SCOPES } from '../auth/scope';
import { ReadAudit } from '../audit/read-audit';
import { createLoaders } from '../loaders/create-loaders';
import { withRetentionLock } from './retention-lock';

/** Scheduled work acts as the platform itself; the audit trail and purge runs name it `schedule`. */
export const SCHEDULE_PRINCIPAL: Principal = { apiKeyId: 'schedule', companyId: null, storeIds: null, scopes: new Set(ALL_SCOPES), operator: true };

export function operatorContext(services: Services, principal: Principal): Context {
  const requestId = randomUUID();
  return { requestId, principal, services, loaders: createLoaders(services.tenancy, { principal }), log: services.log.child({ requestId, apiKeyId: principal.apiKeyId }), reads: new ReadAudit() };
}

/** Runs the purge over every store now, unless another instance is already doing it. */
export async function runScheduledPurge(services: Services): Promise<'ran' | 'skipped'> {
  const ctx = operatorContext(services, SCHEDULE_PRINCIPAL);
  const ran = await withRetentionLock(services.tenancy.catalog, async () => {
    const totals = await services.retention.purge(ctx, null, { chunkSize: services.config.retentionChunk, triggeredBy: 'schedule' });
    ctx.log.info({ stores: totals.runs.length, eventsDeleted: totals.eventsDeleted, visitorsDeleted: totals.visitorsDeleted }, 'retention purge done');
  });
  if (!ran) ctx.log.info('retention purge skipped: another instance holds the lock');
  return ran ? 'ran' : 'skipped';
}

/** Every RETENTION_INTERVAL; returns a function that stops the schedule. */
export function startRetentionSchedule(services: Services): () => void {
  const every = services.config.retentionIntervalMs;
  if (every <= 0) return () => undefined;
  const timer = setInterval(() => {
    runScheduledPurge(services).catch((err: unknown) => services.log.error({ err: String(err) }, 'scheduled retention purge failed'));
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
