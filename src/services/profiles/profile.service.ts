import { EntityManager } from 'typeorm';
import { newestFirstPage } from '../pagination/newest-first';
import { CustomerEntity, OrderEntity, VisitorEntity } from '../../entities/store';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import { PageRequest } from '../pagination/cursor';
import { normalizeId, parseSubject, MAX_EMAIL_LENGTH } from '../subject/normalize';
import type { ReadAudit } from '../audit/read-audit';
import type { SubjectHasher } from '../subject/subject-hasher';

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
   * S2: a profile by e-mail address or customer ID. An e-mail matches exactly after
   * canonicalisation (trim, lower-case); where several customers share one, the most
   * recently updated wins. A value with '@' that matches no e-mail is tried as an ID too.
   *
   * A lookup by e-mail is audited whatever fields the caller selects: with PROFILES_READ alone
   * `customer(idOrEmail: "<e-mail>"){ id }` still tells whether that address is a customer's.
   * A match is recorded as a read of that customer; a miss (chosen deliberately) as an entry
   * with no records under the e-mail's keyed hash, so someone probing addresses is visible in
   * the trail and findable by the address probed. A lookup by customer ID is not audited
   * unless personal fields are read: an ID names no one outside the store.
   */
  async findCustomer(ctx: ProfileContext, storeId: string, idOrEmail: string): Promise<CustomerEntity | null> {
    const subject = parseIdOrEmail(idOrEmail);
    const em = await this.tenancy.storeManager(ctx, storeId);
    if (subject.kind === 'email') {
      const id = normalizeId(idOrEmail);
      const found =
        (await em.findOne(CustomerEntity, { where: { email: subject.email }, order: { updatedAt: 'DESC', id: 'ASC' } })) ??
        (id ? await em.findOneBy(CustomerEntity, { id }) : null);
      if (found) ctx.reads.read(storeId, `customer:${found.id}`, this.hasher.hash(storeId, 'customer', found.id));
      else ctx.reads.lookedUpByEmail(storeId, this.hasher.hash(storeId, 'email', subject.email));
      return found;
    }
    return em.findOneBy(CustomerEntity, { id: subject.id });
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
