import { randomUUID } from 'node:crypto';
import { CompanyEntity } from '../../entities/catalog';
import { BadUserInputError, NotFoundError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';

export class CompanyService {
  constructor(private readonly tenancy: Tenancy) {}

  async create(ctx: TenancyContext, name: string): Promise<CompanyEntity> {
    this.tenancy.principal(ctx);
    const clean = name.trim();
    if (!clean || clean.length > 200) throw new BadUserInputError('`name` must be 1-200 characters');
    return this.tenancy.catalogManager(ctx).getRepository(CompanyEntity).save({ id: randomUUID(), name: clean, createdAt: new Date() });
  }

  /** The caller's own company, or for an operator key the one it names. */
  async get(ctx: TenancyContext, id?: string | null): Promise<CompanyEntity> {
    const p = this.tenancy.principal(ctx);
    const wanted = id ?? p.companyId;
    if (!wanted) throw new BadUserInputError('An operator key must name the company: `company(id: …)`');
    if (!this.tenancy.reachesCompany(ctx, wanted)) throw new NotFoundError('Company');
    const company = await this.tenancy.catalogManager(ctx).getRepository(CompanyEntity).findOneBy({ id: wanted });
    if (!company) throw new NotFoundError('Company');
    return company;
  }
}
