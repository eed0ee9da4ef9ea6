import { ForgetRequestEntity } from '../../entities/catalog';
import type { ForgetStatus } from '../../entities/catalog/forget-request.entity';
import { BadUserInputError, NotFoundError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';

/** Which ledger entries a list shows: `from` inclusive, `to` exclusive, on requestedAt. */
export interface LedgerFilter {
  status?: ForgetStatus | null;
  from?: Date | null;
  to?: Date | null;
}

/** The forget ledger as the caller may see it: their reachable stores, newest first, no identities. */
export class LedgerService {
  constructor(private readonly tenancy: Tenancy) {}

  async list(ctx: TenancyContext, storeId: string | null | undefined, page: PageRequest, filter: LedgerFilter = {}): Promise<ConnectionShape<ForgetRequestEntity>> {
    if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) throw new BadUserInputError('`from` must not be after `to`');
    const storeIds = (await this.tenancy.storesInScope(ctx, storeId)).map((s) => s.id);
    if (storeIds.length === 0) return toConnection([], page, () => ({ id: '' }), (r) => r, async () => 0);
    const repo = this.tenancy.catalogManager(ctx).getRepository(ForgetRequestEntity);
    const filtered = () => {
      const qb = repo.createQueryBuilder('f').where('f.storeId IN (:...storeIds)', { storeIds });
      if (filter.status) qb.andWhere('f.status = :status', { status: filter.status });
      if (filter.from) qb.andWhere('f.requestedAt >= :from', { from: filter.from });
      if (filter.to) qb.andWhere('f.requestedAt < :to', { to: filter.to });
      return qb;
    };
    const rows = await newestFirstPage(filtered(), 'f', 'requestedAt', page).getMany();
    return toConnection(rows, page, (r) => ({ at: r.requestedAt, id: r.id }), (r) => r, () => filtered().getCount());
  }

  /** One entry, if it belongs to a store the caller reaches; any other is NOT_FOUND, as a missing one. */
  async get(ctx: TenancyContext, id: string): Promise<ForgetRequestEntity> {
    if (id.length > 36) throw new NotFoundError('Forget request');
    const row = await this.tenancy.catalogManager(ctx).getRepository(ForgetRequestEntity).findOneBy({ id });
    if (!row) throw new NotFoundError('Forget request');
    try {
      await this.tenancy.store(ctx, row.storeId);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError('Forget request');
      throw e;
    }
    return row;
  }
}
