import { Brackets, In } from 'typeorm';
import { ForgetRequestEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';

/** The forget ledger as the caller may see it: their reachable stores, newest first, no identities. */
export class LedgerService {
  constructor(private readonly tenancy: Tenancy) {}

  async list(ctx: TenancyContext, storeId: string | null | undefined, page: PageRequest): Promise<ConnectionShape<ForgetRequestEntity>> {
    const storeIds = storeId ? [(await this.tenancy.store(ctx, storeId)).id] : (await this.tenancy.reachableStores(ctx)).map((s) => s.id);
    if (storeIds.length === 0) return toConnection([], page, () => ({ id: '' }), (r) => r, async () => 0);
    const repo = this.tenancy.catalog.getRepository(ForgetRequestEntity);
    const qb = repo
      .createQueryBuilder('f')
      .where('f.storeId IN (:...storeIds)', { storeIds })
      .orderBy('f.requestedAt', 'DESC')
      .addOrderBy('f.id', 'DESC')
      .limit(page.first + 1);
    if (page.after?.at) {
      const { at, id } = page.after;
      qb.andWhere(new Brackets((w) => w.where('f.requestedAt < :at', { at }).orWhere('(f.requestedAt = :at AND f.id < :id)', { at, id })));
    }
    return toConnection(await qb.getMany(), page, (r) => ({ at: r.requestedAt, id: r.id }), (r) => r, () => repo.countBy({ storeId: In(storeIds) }));
  }
}
