import { In } from 'typeorm';
import { ForgetRequestEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';

/** The forget ledger as the caller may see it: their reachable stores, newest first, no identities. */
export class LedgerService {
  constructor(private readonly tenancy: Tenancy) {}

  async list(ctx: TenancyContext, storeId: string | null | undefined, page: PageRequest): Promise<ConnectionShape<ForgetRequestEntity>> {
    const storeIds = storeId ? [(await this.tenancy.store(ctx, storeId)).id] : (await this.tenancy.reachableStores(ctx)).map((s) => s.id);
    if (storeIds.length === 0) return toConnection([], page, () => ({ id: '' }), (r) => r, async () => 0);
    const repo = this.tenancy.catalog.getRepository(ForgetRequestEntity);
    const qb = newestFirstPage(repo.createQueryBuilder('f').where('f.storeId IN (:...storeIds)', { storeIds }), 'f', 'requestedAt', page);
    return toConnection(await qb.getMany(), page, (r) => ({ at: r.requestedAt, id: r.id }), (r) => r, () => repo.countBy({ storeId: In(storeIds) }));
  }
}
