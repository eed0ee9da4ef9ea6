import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { newestFirstPage } from '../pagination/newest-first';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import { PageRequest } from '../pagination/cursor';
import { normalizeId } from '../subject/normalize';
import { parsePerson } from '../subject/subject-input';
import type { ReadAudit } from '../audit/read-audit';
import type { SubjectHasher } from '../subject/subject-hasher';
import { LinkSource, linksOf, ProfileLinks } from '../loaders/person-links.loader';
import type { PreferenceResult } from './preferences';

/** A profile lookup is audited through the request's read collector. */
export interface ProfileContext extends TenancyContext {
  reads: ReadAudit;
}

/**
 * Reads of a store's shoppers: profiles by e-mail or ID, lists, visitors. Every read goes
 * through tenancy, so a store outside the caller's reach is NOT_FOUND before any query runs.
 */
export class ProfileService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
  ) {}

  /**
   * S2: a profile by e-mail address or customer ID (parsePerson: a value with '@' is both). An
   * e-mail matches exactly after canonicalisation (trim, lower-case ASCII); where several
   * customers share one, the most recently updated wins. A value with '@' that matches no
   * e-mail is looked up as a customer ID, exactly as given (trimmed).
   *
   * A lookup by e-mail is audited whatever fields the caller selects: with PROFILES_READ alone
   * `customer(idOrEmail: "<e-mail>"){ id }` still tells whether that address is a customer's.
   * A match is recorded as a read of that customer; a miss (chosen deliberately) as an entry
   * with no records under the e-mail's keyed hash, so someone probing addresses is visible in
   * the trail and findable by the address probed. A lookup by customer ID is not audited
   * unless personal fields are read: an ID names no one outside the store.
   */
  async findCustomer(
    ctx: ProfileContext,
    storeId: string,
    idOrEmail: string,
    found?: { withPreferences?: boolean; onFound(c: CustomerEntity, links: ProfileLinks, preferences: PreferenceResult | null): void },
  ): Promise<CustomerEntity | null> {
    const person = parsePerson({ idOrEmail });
    const em = await this.tenancy.storeManager(ctx, storeId);
    // The customer and their profile links (and, when the caller will read them, their
    // preferences) in one statement (linksOf): the profile's orders, visitors and the audit's
    // identifiers need the links next.
    const lookup = async (source: LinkSource) => {
      const { customer, links, preferences } = await linksOf(em, source, found?.withPreferences);
      if (customer) found?.onFound(customer, links.get(customer.id)!, preferences);
      return customer;
    };
    if (person.emails.length) {
      const found =
        (await lookup({ by: 'email', email: person.emails[0] })) ?? (person.customerIds.length ? await lookup({ by: 'id', id: person.customerIds[0] }) : null);
      if (found) ctx.reads.read(storeId, `customer:${found.id}`, { customerId: found.id, email: found.email });
      else ctx.reads.lookedUpByEmail(storeId, this.hasher.hash(storeId, 'email', person.emails[0]));
      return found;
    }
    return person.customerIds.length ? lookup({ by: 'id', id: person.customerIds[0] }) : null;
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

/** Newest-first keyset page over (time, id) for one table. */
export async function newestFirst<E extends { id: string }>(
  em: EntityManager,
  entity: new () => E,
  timeColumn: keyof E & string,
  page: PageRequest,
): Promise<E[]> {
  return newestFirstPage(em.createQueryBuilder(entity, 'x'), 'x', timeColumn, page).getMany();
}
