import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { PurgeRunEntity, StoreEntity } from '../../entities/catalog';
import { PurgePositionEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditContext, AuditService } from '../audit/audit.service';
import { flushDeletedPages } from '../../tenancy/store-lock';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';
import { rollupEventsDeleting } from '../stats/rollups';
import { addMonths, monthsBefore, RetentionBounds, retentionMonths, VisitHistory } from './retention-rule';
import { refreshClicks } from '../profiles/preference-tallies';

export interface PurgeOptions {
  /** Rows a single statement may touch (default 1000): no purge holds long locks. */
  chunkSize?: number;
  /** Visitors examined per step (default 500). */
  visitorBatch?: number;
  /** The moment retention is measured from (tests); a resumed run keeps its own. */
  now?: Date;
  /** Checked between steps: true stops the run, which the next purge resumes. */
  shouldStop?: () => boolean;
  /** After each step, with the last visitor ID processed (kept in the store, not in `run`). */
  onProgress?: (run: PurgeRunEntity, lastVisitorId: string) => void;
  triggeredBy?: string;
}

export interface VisitorRetention {
  months: number;
  retainedUntil: Date;
}

export interface PurgeTotals {
  visitorsDeleted: number;
  eventsDeleted: number;
  runs: PurgeRunEntity[];
}

const boundsOf = (s: StoreEntity): RetentionBounds => ({ minMonths: s.retentionMinMonths, maxMonths: s.retentionMaxMonths });

/** Visit days and time spent per visitor over the year before `now`: one grouped statement. */
async function history(em: EntityManager, visitorIds: string[], now: Date): Promise<Map<string, VisitHistory>> {
  const out = new Map<string, VisitHistory>();
  if (visitorIds.length === 0) return out;
  const rows: { visitorId: string; days: string | number; secs: string | number | null }[] = await em
    .createQueryBuilder(VisitEventEntity, 'e')
    .select('e.visitorId', 'visitorId')
    // DATE() means the same on SQLite and MySQL: the calendar day of the stored UTC time.
    .addSelect('COUNT(DISTINCT DATE(e.occurredAt))', 'days')
    .addSelect('SUM(e.durationSeconds)', 'secs')
    .where('e.visitorId IN (:...ids)', { ids: visitorIds })
    .andWhere('e.occurredAt >= :since', { since: monthsBefore(now, 12) })
    .andWhere('e.occurredAt <= :now', { now })
    .groupBy('e.visitorId')
    .getRawMany();
  for (const r of rows) out.set(r.visitorId, { visitDays: Number(r.days), totalSeconds: Number(r.secs ?? 0) });
  return out;
}

/** Retention of some visitors of a store as of `now` (the rule in retention-rule.ts, the store's bounds). */
export async function visitorRetention(
  em: EntityManager,
  store: StoreEntity,
  visitors: Pick<VisitorEntity, 'id' | 'lastSeenAt'>[],
  now = new Date(),
): Promise<Map<string, VisitorRetention>> {
  const past = await history(em, visitors.map((v) => v.id), now);
  return new Map(
    visitors.map((v) => {
      const months = retentionMonths(past.get(v.id) ?? { visitDays: 0, totalSeconds: 0 }, boundsOf(store));
      return [v.id, { months, retainedUntil: addMonths(v.lastSeenAt, months) }];
    }),
  );
}

/**
 * The retention purge (S8): deletes visit events past their visitor's retention (see
 * retention-rule.ts) and visitors left with no events and no customer link. Orders are not
 * visit data and are never touched. It works visitor by visitor in ID order, in bounded
 * statements, recording its progress in the catalog so an interrupted run resumes.
 */
export class RetentionService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly onDeleted?: (kind: 'events' | 'visitors', n: number) => void,
  ) {}

  /** The recorded runs of the stores the caller reaches (or one of them), newest first. */
  async runs(ctx: TenancyContext, storeId: string | null | undefined, page: PageRequest): Promise<ConnectionShape<PurgeRunEntity>> {
    const storeIds = (await this.tenancy.storesInScope(ctx, storeId)).map((s) => s.id);
    const repo = this.tenancy.catalogManager(ctx).getRepository(PurgeRunEntity);
    if (storeIds.length === 0) return toConnection([], page, () => ({ id: '' }), (r) => r, async () => 0);
    const qb = newestFirstPage(repo.createQueryBuilder('r').where('r.storeId IN (:...storeIds)', { storeIds }), 'r', 'startedAt', page);
    return toConnection(await qb.getMany(), page, (r) => ({ at: r.startedAt, id: r.id }), (r) => r, () => repo.countBy({ storeId: In(storeIds) }));
  }

  async purge(ctx: TenancyContext & AuditContext, storeId: string | null | undefined, opts: PurgeOptions = {}): Promise<PurgeTotals> {
    const stores = await this.tenancy.storesInScope(ctx, storeId);
    const totals: PurgeTotals = { visitorsDeleted: 0, eventsDeleted: 0, runs: [] };
    for (const store of stores) {
      const run = await this.purgeStore(ctx, store, opts);
      totals.visitorsDeleted += run.visitorsDeleted;
      totals.eventsDeleted += run.eventsDeleted;
      totals.runs.push(run);
      if (run.status === 'INTERRUPTED') break;
    }
    return totals;
  }

  private async purgeStore(ctx: TenancyContext & AuditContext, store: StoreEntity, opts: PurgeOptions): Promise<PurgeRunEntity> {
    const runs = this.tenancy.catalogManager(ctx).getRepository(PurgeRunEntity);
    const unfinished = await runs.findOne({ where: { storeId: store.id, status: In(['RUNNING', 'INTERRUPTED']) }, order: { startedAt: 'DESC' } });
    const run =
      unfinished ??
      Object.assign(new PurgeRunEntity(), {
        id: randomUUID(),
        storeId: store.id,
        companyId: store.companyId,
        status: 'RUNNING',
        triggeredBy: opts.triggeredBy ?? this.tenancy.principal(ctx).apiKeyId,
        asOf: opts.now ?? new Date(),
        startedAt: new Date(),
        finishedAt: null,
        visitorsDeleted: 0,
        eventsDeleted: 0,
      });
    run.status = 'RUNNING';
    await runs.save(run);
    const em = await this.tenancy.storeManager(ctx, store.id);
    const chunk = opts.chunkSize ?? 1000;
    const batchSize = opts.visitorBatch ?? 500;
    // The resume position names a visitor, so it stays in the store's database, not the catalog.
    // (A run interrupted before it was kept there, or whose store was restored, starts over: the
    // purge is idempotent, so that costs time, not correctness.)
    const positions = em.getRepository(PurgePositionEntity);
    let cursor = (await positions.findOneBy({ runId: run.id }))?.lastVisitorId ?? null;
    for (;;) {
      if (opts.shouldStop?.()) {
        run.status = 'INTERRUPTED';
        await runs.save(run);
        return run;
      }
      const qb = em.createQueryBuilder(VisitorEntity, 'v').select(['v.id', 'v.customerId', 'v.lastSeenAt']).orderBy('v.id', 'ASC').limit(batchSize);
      if (cursor !== null) qb.where('v.id > :cursor', { cursor });
      const batch = await qb.getMany();
      if (batch.length === 0) break;
      const retention = await visitorRetention(em, store, batch, run.asOf);
      // Visitors sharing a retention share a cutoff: one bounded DELETE loop per group.
      const byMonths = new Map<number, string[]>();
      for (const v of batch) {
        const m = retention.get(v.id)!.months;
        byMonths.set(m, [...(byMonths.get(m) ?? []), v.id]);
      }
      for (const [months, ids] of byMonths) run.eventsDeleted += await this.deleteEventsBefore(ctx, store, em, ids, monthsBefore(run.asOf, months), chunk);
      // Recounted for the whole batch, deleted or not: the deletes commit one by one, and a run
      // resumed after a crash redoes this batch (finding nothing left to delete), so this repairs it.
      await refreshClicks(em, batch.map((v) => v.id));
      run.visitorsDeleted += await this.deleteEmptyVisitors(em, batch.map((v) => v.id), chunk);
      cursor = batch[batch.length - 1].id;
      await positions.upsert({ runId: run.id, lastVisitorId: cursor }, ['runId']);
      await runs.save(run);
      opts.onProgress?.(run, cursor);
    }
    run.status = 'COMPLETED';
    run.finishedAt = new Date();
    await runs.save(run);
    await positions.delete({ runId: run.id });
    await flushDeletedPages(em);
    await this.audit.record(ctx, [{ operation: 'purgeExpiredData', storeId: store.id, companyId: store.companyId, records: run.eventsDeleted + run.visitorsDeleted }]);
    return run;
  }

  private async deleteEventsBefore(ctx: TenancyContext, store: StoreEntity, em: EntityManager, visitorIds: string[], cutoff: Date, chunk: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = (
        await em.createQueryBuilder(VisitEventEntity, 'e').select('e.id', 'id').where('e.visitorId IN (:...visitorIds)', { visitorIds }).andWhere('e.occurredAt < :cutoff', { cutoff }).limit(chunk).getRawMany<{ id: number }>()
      ).map((r) => r.id);
      if (ids.length === 0) return deleted;
      // The chunk and its share of storeStats' rollups in one transaction (the store's: SQLite's
      // write lock, MySQL's deadlock retry): they never disagree.
      const n = await this.tenancy.storeTransaction(ctx, store.id, async (tx) => {
        await rollupEventsDeleting(tx, { ids });
        return (await tx.delete(VisitEventEntity, { id: In(ids) })).affected ?? ids.length;
      });
      deleted += n;
      this.onDeleted?.('events', n);
    }
  }

  private async deleteEmptyVisitors(em: EntityManager, visitorIds: string[], chunk: number): Promise<number> {
    const empty = (
      await em
        .createQueryBuilder(VisitorEntity, 'v')
        .select('v.id', 'id')
        .where('v.id IN (:...visitorIds)', { visitorIds })
        .andWhere('v.customerId IS NULL')
        .andWhere((q) => `NOT EXISTS ${q.subQuery().select('1').from(VisitEventEntity, 'e').where('e.visitorId = v.id').getQuery()}`)
        .getRawMany<{ id: string }>()
    ).map((r) => r.id);
    let n = 0;
    // Bounded by the chunk too, whatever the step size: no statement touches more rows.
    for (let i = 0; i < empty.length; i += chunk) {
      const part = empty.slice(i, i + chunk);
      const deleted = (await em.delete(VisitorEntity, { id: In(part) })).affected ?? part.length;
      this.onDeleted?.('visitors', deleted);
      n += deleted;
    }
    return n;
  }
}
