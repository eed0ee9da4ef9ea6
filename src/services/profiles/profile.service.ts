import { EntityManager } from 'typeorm';
import { newestFirstPage } from '../pagination/newest-first';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import { PageRequest } from '../pagination/cursor';
import { normalizeId } from '../subject/normalize';
import { parsePerson } from '../subject/subject-input';

/**
 * Reads of a store's shoppers: profiles by e-mail or ID, lists, visitors. Every read goes
 * through tenancy, so a store outside the caller's reach is NOT_FOUND before any query runs.
 */
export class ProfileService {
  constructor(private readonly tenancy: Tenancy) {}

  /**
   * S2: a profile by e-mail address or customer ID (parsePerson: a value with '@' is both). An
   * e-mail matches exactly after canonicalisation (trim, lower-case ASCII); where several
   * customers share one, the most recently updated wins. A value with '@' that matches no
   * e-mail is looked up as a customer ID, exactly as given (trimmed).
   */
  async findCustomer(ctx: TenancyContext, storeId: string, idOrEmail: string): Promise<CustomerEntity | null> {
    const person = parsePerson({ idOrEmail });
    const em = await this.tenancy.storeManager(ctx, storeId);
    if (person.emails.length) {
      const byEmail = await em.findOne(CustomerEntity, { where: { email: person.emails[0] }, order: { updatedAt: 'DESC', id: 'ASC' } });
      if (byEmail) return byEmail;
    }
    return person.customerIds.length ? em.findOneBy(CustomerEntity, { id: person.customerIds[0] }) : null;
  }

  async customers(ctx: TenancyContext, storeId: string, page: PageRequest): Promise<ConnectionShape<CustomerEntity>> {
    const em = await this.tenancy.storeManager(ctx, storeId);
    const qb = em.createQueryBuilder(CustomerEntity, 'c').orderBy('c.id', 'ASC').limit(page.first + 1);
    if (page.after) qb.where('c.id > :after', { after: page.after.id });
    const rows = await qb.getMany();
    return toConnection(rows, page, (c) => ({ id: c.id }), (c) => c, () => em.count(CustomerEntity));
  }

  async orders(ctx: TenancyContext, storeId: string, page: PageRequest): Promise<ConnectionShape<OrderEntity>> {
    const em = await this.tenancy.storeManager(ctx, storeId);
    const rows = await newestFirst(em, OrderEntity, 'createdAt', page);
    return toConnection(rows, page, (o) => ({ at: o.createdAt, id: o.id }), (o) => o, () => em.count(OrderEntity));
  }

  async visitor(ctx: TenancyContext, storeId: string, id: string): Promise<VisitorEntity | null> {
    const clean = normalizeId(id);
    if (!clean) throw new BadUserInputError('`id` is not a valid visitor ID');
    return (await this.tenancy.storeManager(ctx, storeId)).findOneBy(VisitorEntity, { id: clean });
  }
}

/** Newest-first keyset page over (time, id) for one table. */
export async function newestFirst<E extends { id: string }>(
  em: EntityManager,
  entity: new () => E,
  timeColumn: keyof E & string,
  page: PageRequest,
): Promise<E[]> {
  return newestFirstPage(em.createQueryBuilder(entity, 'x'), 'x', timeColumn, page).getMany();
}
