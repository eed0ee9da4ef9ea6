import { AuditEntryEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';
import type { AuditFilter } from './audit.service';

/** Reading the audit trail: the caller's company (or the stores the key is narrowed to), newest first. */
export class AuditLogService {
  constructor(private readonly tenancy: Tenancy) {}

  async list(ctx: TenancyContext, filter: AuditFilter, page: PageRequest, companyId?: string | null): Promise<ConnectionShape<AuditEntryEntity>> {
    const p = this.tenancy.principal(ctx);
    const qb = this.tenancy.catalog.getRepository(AuditEntryEntity).createQueryBuilder('a');
    const company = p.operator ? (companyId ?? null) : p.companyId;
    qb.where(company ? 'a.companyId = :company' : '1 = 1', { company });
    if (p.storeIds) qb.andWhere('a.storeId IN (:...reach)', { reach: [...p.storeIds] });
    if (filter.storeId) qb.andWhere('a.storeId = :storeId', { storeId: (await this.tenancy.store(ctx, filter.storeId)).id });
    if (filter.operation) qb.andWhere('a.operation = :operation', { operation: filter.operation });
    if (filter.from) qb.andWhere('a.at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.at < :to', { to: filter.to });
    const count = qb.clone();
    const rows = await newestFirstPage(qb, 'a', 'at', page, { numericId: true }).getMany();
    return toConnection(rows, page, (r) => ({ at: r.at, id: String(r.id) }), (r) => r, () => count.getCount());
  }
}
