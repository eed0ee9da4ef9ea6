import { EntityManager, In, MoreThanOrEqual } from 'typeorm';
import { ForgetRequestEntity, StoreEntity, SuppressionEntity } from '../../entities/catalog';
import type { SubjectKind } from '../../entities/catalog/suppression.entity';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import type { Tenancy } from '../../tenancy/tenancy';
import type { AuditService } from '../audit/audit.service';
import type { SubjectHasher } from '../subject/subject-hasher';
import { eraseFootprint, EraseCounts, ZERO_COUNTS } from './erase';
import { lockSubjects } from '../../tenancy/store-lock';
import { findFootprint } from './footprint';
import type { Identifiers } from '../subject/subject-input';
import type { ForgetContext } from './forget.service';
import { total } from './forget.service';

export interface ReplayResult extends EraseCounts {
  replayed: number;
}

/** Rows read per statement while looking for forgotten identifiers in a restored database. */
const SCAN_CHUNK = 5000;

/**
 * Replay after a backup restore (S5). The ledger holds only keyed hashes, so the person is
 * found again by hashing every identifier in the restored store and matching the suppression
 * list of the requests made since `since`; whatever matches is erased as a forget would.
 */
export class ReplayService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
    private readonly audit: AuditService,
  ) {}

  async replay(ctx: ForgetContext, since: Date, storeId: string | null | undefined, onStore?: (done: number, of: number) => void): Promise<ReplayResult> {
    const stores = await this.tenancy.storesInScope(ctx, storeId);
    const result: ReplayResult = { replayed: 0, ...ZERO_COUNTS };
    for (const [i, store] of stores.entries()) {
      const r = await this.replayStore(ctx, store, since);
      for (const k of Object.keys(result) as (keyof ReplayResult)[]) result[k] += r[k];
      onStore?.(i + 1, stores.length);
    }
    return result;
  }

  private async replayStore(ctx: ForgetContext, store: StoreEntity, since: Date): Promise<ReplayResult> {
    const catalog = this.tenancy.catalogManager(ctx);
    const requests = await catalog.getRepository(ForgetRequestEntity).find({ where: { storeId: store.id, requestedAt: MoreThanOrEqual(since) }, select: { id: true } });
    if (requests.length === 0) return { replayed: 0, ...ZERO_COUNTS };
    const wanted = new Set<string>();
    const ids = requests.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await catalog.getRepository(SuppressionEntity).find({ where: { storeId: store.id, forgetRequestId: In(ids.slice(i, i + 500)) }, select: { hash: true } });
      rows.forEach((r) => wanted.add(r.hash));
    }
    const counts = await this.eraseMatching(ctx, store, wanted);
    await this.audit.record(ctx, [{ operation: 'replayForgetRequests', storeId: store.id, companyId: store.companyId, records: total(counts) }]);
    return { replayed: requests.length, ...counts };
  }

  /**
   * One request again (forget recovery, forget-recovery.service.ts): the identifiers it
   * suppressed, plus the subject it was asked for (whose suppression entry may belong to an
   * earlier request), matched and erased exactly as a replay does. Not audited here: the caller
   * records what it did.
   */
  async replayRequest(ctx: ForgetContext, request: Pick<ForgetRequestEntity, 'id' | 'storeId' | 'subjectHash'>): Promise<EraseCounts> {
    const store = await this.tenancy.store(ctx, request.storeId);
    const rows = await this.tenancy.catalogManager(ctx).getRepository(SuppressionEntity).find({ where: { storeId: store.id, forgetRequestId: request.id }, select: { hash: true } });
    return this.eraseMatching(ctx, store, new Set([request.subjectHash, ...rows.map((r) => r.hash)]));
  }

  /** Hashes every identifier in the store, and erases the footprint of those in `wanted`. */
  private async eraseMatching(ctx: ForgetContext, store: StoreEntity, wanted: Set<string>): Promise<EraseCounts> {
    const counts = await this.tenancy.storeTransaction(ctx, store.id, async (em) => {
      await lockSubjects(em, 'exclusive');
      const seed: Identifiers = { emails: [], customerIds: [], visitorIds: [] };
      const match = (kind: SubjectKind, value: string | null, into: string[]) => {
        if (value && wanted.has(this.hasher.hash(store.id, kind, value)) && !into.includes(value)) into.push(value);
      };
      await scan(em, CustomerEntity, ['id', 'email'], (r) => (match('customer', r.id, seed.customerIds), match('email', r.email, seed.emails)));
      await scan(em, OrderEntity, ['id', 'customerId', 'email', 'visitorId'], (r) => (match('customer', r.customerId, seed.customerIds), match('email', r.email, seed.emails), match('visitor', r.visitorId, seed.visitorIds)));
      await scan(em, VisitorEntity, ['id', 'customerId', 'email'], (r) => (match('visitor', r.id, seed.visitorIds), match('customer', r.customerId, seed.customerIds), match('email', r.email, seed.emails)));
      return eraseFootprint(em, await findFootprint(em, seed));
    });
    await this.tenancy.flushStore(ctx, store.id);
    return counts;
  }
}

/** Reads a table's identifier columns in primary-key order, a chunk at a time. */
async function scan<E extends { id: string }>(
  em: EntityManager,
  entity: new () => E,
  columns: (keyof E & string)[],
  visit: (row: E) => void,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const qb = em.createQueryBuilder(entity, 'x').select(columns.map((c) => `x.${c}`)).orderBy('x.id', 'ASC').limit(SCAN_CHUNK);
    if (after !== null) qb.where('x.id > :after', { after });
    const rows = await qb.getMany();
    rows.forEach(visit);
    if (rows.length < SCAN_CHUNK) return;
    after = rows[rows.length - 1].id;
  }
}
