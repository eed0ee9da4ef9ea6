import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { newestFirstPage } from '../pagination/newest-first';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import { PageRequest } from '../pagination/cursor';
import { normalizeId, parseSubject, MAX_EMAIL_LENGTH } from '../subject/normalize';

/**
 * Reads of a store's shoppers: profiles by e-mail or ID, lists, visitors. Every read goes
 * through tenancy, so a store outside the caller's reach is NOT_FOUND before any query runs.
 */
export class ProfileService {
  constructor(private readonly tenancy: Tenancy) {}

  /**
   * S2: a profile by e-mail address or customer ID. An e-mail matches exactly after
   * canonicalisation (trim, lower-case); where several customers share one, the most
   * recently updated wins. A value with '@' that matches no e-mail is tried as an ID too.
   */
  async findCustomer(ctx: TenancyContext, storeId: string, idOrEmail: string): Promise<CustomerEntity | null> {
    const subject = parseIdOrEmail(idOrEmail);
    const em = await this.tenancy.storeManager(ctx, storeId);
    if (subject.kind === 'email') {
      const byEmail = await em.findOne(CustomerEntity, { where: { email: subject.email }, order: { updatedAt: 'DESC', id: 'ASC' } });
      if (byEmail) return byEmail;
      const id = normalizeId(idOrEmail);
      return id ? em.findOneBy(CustomerEntity, { id }) : null;
    }
    return em.findOneBy(CustomerEntity, { id: subject.id });
  }

  /** By ID ascending, or most recently updated first (keyset on updatedAt, id). */
  async customers(ctx: TenancyContext, storeId: string, page: PageRequest, orderBy: 'ID' | 'UPDATED_AT' = 'ID'): Promise<ConnectionShape<CustomerEntity>> {
    const em = await this.tenancy.storeManager(ctx, storeId);
    if (orderBy === 'UPDATED_AT') {
      const rows = await newestFirst(em, CustomerEntity, 'updatedAt', page);
      return toConnection(rows, page, (c) => ({ at: c.updatedAt, id: c.id }), (c) => c, () => em.count(CustomerEntity));
    }
    const qb = em.createQueryBuilder(CustomerEntity, 'c').orderBy('c.id', 'ASC').limit(page.first + 1);
    if (page.after) qb.where('c.id > :after', { after: page.after.id });
    const rows = await qb.getMany();
    return toConnection(rows, page, (c) => ({ id: c.id }), (c) => c, () => em.count(CustomerEntity));
  }

  /** Newest first, optionally within [from, to): `totalCount` counts the same range. */
  async orders(ctx: TenancyContext, storeId: string, page: PageRequest, range: { from?: Date | null; to?: Date | null } = {}): Promise<ConnectionShape<OrderEntity>> {
    const { from, to } = range;
    if (from && to && to.getTime() <= from.getTime()) throw new BadUserInputError('`to` must be later than `from` (`from` is inclusive, `to` exclusive)');
    const em = await this.tenancy.storeManager(ctx, storeId);
    const inRange = (qb: SelectQueryBuilder<OrderEntity>) => {
      if (from) qb.andWhere('o.createdAt >= :from', { from });
      if (to) qb.andWhere('o.createdAt < :to', { to });
      return qb;
    };
    const rows = await newestFirstPage(inRange(em.createQueryBuilder(OrderEntity, 'o')), 'o', 'createdAt', page).getMany();
    return toConnection(rows, page, (o) => ({ at: o.createdAt, id: o.id }), (o) => o, () => inRange(em.createQueryBuilder(OrderEntity, 'o')).getCount());
  }

  async visitor(ctx: TenancyContext, storeId: string, id: string): Promise<VisitorEntity | null> {
    const clean = normalizeId(id);
    if (!clean) throw new BadUserInputError('`id` is not a valid visitor ID');
    return (await this.tenancy.storeManager(ctx, storeId)).findOneBy(VisitorEntity, { id: clean });
  }
}

export function parseIdOrEmail(idOrEmail: string) {
  if (idOrEmail.length > MAX_EMAIL_LENGTH) throw new BadUserInputError('`idOrEmail` is longer than 254 characters');
  const subject = parseSubject(idOrEmail);
  if (!subject) throw new BadUserInputError('`idOrEmail` must be a customer ID or a well-formed e-mail address');
  return subject;
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
