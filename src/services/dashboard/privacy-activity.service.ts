import { ForgetRequestEntity, PurgeRunEntity, StoreEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';

/** The window the dashboard's activity covers: as long as backups may hold forgotten data (S5). */
export const ACTIVITY_DAYS = 30;
/** At most this many outstanding failures are listed (all are counted). */
export const FAILED_LISTED = 50;
const DAY_MS = 86_400_000;

export interface ForgetCounts {
  pending: number;
  completed: number;
  failed: number;
}

export interface StorePurgeActivity {
  store: StoreEntity;
  runs: number;
  visitorsDeleted: number;
  eventsDeleted: number;
  lastRun: PurgeRunEntity | null;
}

export interface PrivacyActivity {
  since: Date;
  until: Date;
  days: number;
  forgetRequests: ForgetCounts;
  failedToRetry: ForgetRequestEntity[];
  failedToRetryCount: number;
  backupsClearBy: Date | null;
  purges: StorePurgeActivity[];
}

/**
 * What the company's privacy machinery did lately, from the catalog's ledger and purge runs:
 * no personal data (the ledger names people only by keyed hashes, which are not read here).
 * A fixed number of catalog statements, whatever the number of stores or requests.
 */
export class PrivacyActivityService {
  constructor(private readonly tenancy: Tenancy) {}

  async forCompany(ctx: TenancyContext, companyId: string, now = new Date()): Promise<PrivacyActivity> {
    const stores = await this.tenancy.reachableStores(ctx, companyId);
    const since = new Date(now.getTime() - ACTIVITY_DAYS * DAY_MS);
    const empty: PrivacyActivity = {
      since, until: now, days: ACTIVITY_DAYS,
      forgetRequests: { pending: 0, completed: 0, failed: 0 },
      failedToRetry: [], failedToRetryCount: 0, backupsClearBy: null, purges: [],
    };
    if (stores.length === 0) return empty;
    const storeIds = stores.map((s) => s.id);
    const catalog = this.tenancy.catalogManager(ctx);

    // Requests of the window by status; the latest backupsClearBy of a completed one is the
    // date by which no backup holds data forgotten in it (every earlier one is already past).
    const byStatus: { status: string; n: string | number; clear: Date | string | null }[] = await catalog
      .getRepository(ForgetRequestEntity)
      .createQueryBuilder('f')
      .select('f.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .addSelect('MAX(f.backupsClearBy)', 'clear')
      .where('f.storeId IN (:...storeIds)', { storeIds })
      .andWhere('f.requestedAt >= :since', { since })
      .groupBy('f.status')
      .getRawMany();
    const forgetRequests = { ...empty.forgetRequests };
    let backupsClearBy: Date | null = null;
    for (const r of byStatus) {
      if (r.status === 'PENDING') forgetRequests.pending = Number(r.n);
      if (r.status === 'FAILED') forgetRequests.failed = Number(r.n);
      if (r.status === 'COMPLETED') {
        forgetRequests.completed = Number(r.n);
        backupsClearBy = r.clear ? toDate(r.clear) : null;
      }
    }

    // A FAILED part stays to retry until a later request for the same person in the same store
    // completes (a retry is a new ledger row). Not limited to the window: an old failure that
    // was never retried is the one a DPO most needs to see.
    const outstanding = () =>
      catalog
        .getRepository(ForgetRequestEntity)
        .createQueryBuilder('f')
        .where('f.storeId IN (:...storeIds)', { storeIds })
        .andWhere("f.status = 'FAILED'")
        .andWhere(
          `NOT EXISTS (SELECT 1 FROM forget_requests g WHERE g.storeId = f.storeId AND g.subjectHash = f.subjectHash
             AND g.status = 'COMPLETED' AND g.requestedAt >= f.requestedAt)`,
        );
    const failedToRetry = await outstanding().orderBy('f.requestedAt', 'DESC').addOrderBy('f.id', 'DESC').take(FAILED_LISTED).getMany();
    const failedToRetryCount = failedToRetry.length < FAILED_LISTED ? failedToRetry.length : await outstanding().getCount();

    // Purges: totals of the window per store, and each store's latest run (whenever it was).
    const totals: { storeId: string; runs: string | number; visitors: string | number | null; events: string | number | null }[] = await catalog
      .getRepository(PurgeRunEntity)
      .createQueryBuilder('r')
      .select('r.storeId', 'storeId')
      .addSelect('COUNT(*)', 'runs')
      .addSelect('SUM(r.visitorsDeleted)', 'visitors')
      .addSelect('SUM(r.eventsDeleted)', 'events')
      .where('r.storeId IN (:...storeIds)', { storeIds })
      .andWhere('r.startedAt >= :since', { since })
      .groupBy('r.storeId')
      .getRawMany();
    const latest = await catalog
      .getRepository(PurgeRunEntity)
      .createQueryBuilder('r')
      .where('r.storeId IN (:...storeIds)', { storeIds })
      .andWhere('r.startedAt = (SELECT MAX(r2.startedAt) FROM purge_runs r2 WHERE r2.storeId = r.storeId)')
      .getMany();
    const totalsBy = new Map(totals.map((t) => [t.storeId, t]));
    const latestBy = new Map<string, PurgeRunEntity>();
    for (const run of latest) if (!latestBy.has(run.storeId) || latestBy.get(run.storeId)!.id < run.id) latestBy.set(run.storeId, run);
    const purges = stores.map((store) => {
      const t = totalsBy.get(store.id);
      return { store, runs: Number(t?.runs ?? 0), visitorsDeleted: Number(t?.visitors ?? 0), eventsDeleted: Number(t?.events ?? 0), lastRun: latestBy.get(store.id) ?? null };
    });

    return { ...empty, forgetRequests, failedToRetry, failedToRetryCount, backupsClearBy, purges };
  }
}

/** Raw MAX() comes back as a Date (mysql2) or as the stored text (SQLite, UTC). */
function toDate(v: Date | string): Date {
  if (v instanceof Date) return v;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
}
