import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { toConnection } from '../services/pagination/connection';
import { Customer } from './types/customer.type';
import { toCustomer, toEvent, toVisitor } from './types/mappers';
import { PageArgs } from './types/page.args';
import { Visitor, VisitEventConnection } from './types/visitor.type';

@Resolver(() => Visitor)
export class VisitorResolver {
  @Authorized(Scope.PROFILES_READ)
  @Query(() => Visitor, { nullable: true, description: 'A visitor ID\'s page (S11); null when the store has no such visitor.' })
  async visitor(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('id', () => ID, { description: 'The visitor ID.' }) id: string,
  ): Promise<Visitor | null> {
    const v = await ctx.services.profiles.visitor(ctx, storeId, id);
    return v ? toVisitor(storeId, v) : null;
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The customer this visitor identified as, if any.' })
  async customer(@Root() v: Visitor, @Ctx() ctx: Context): Promise<Customer | null> {
    if (!v.customerId) return null;
    const c = await ctx.loaders.store(v.storeId).customerById.load(v.customerId);
    return c ? toCustomer(v.storeId, c) : null;
  }

  @Authorized(Scope.PERSONAL_DATA_READ)
  @FieldResolver(() => VisitEventConnection, { nullable: true, description: 'The visit log, newest first. Personal: needs PERSONAL_DATA_READ.' })
  async log(@Root() v: Visitor, @Ctx() ctx: Context, @Args() { first, after }: PageArgs): Promise<VisitEventConnection> {
    const page = pageRequest(first, after, true);
    const loaders = ctx.loaders.store(v.storeId);
    const rows = await loaders.eventsByVisitor.load({ parentId: v.id, page });
    if (rows.length) ctx.reads.read(v.storeId, `visitor:${v.id}`, { visitorId: v.id, customerId: v.customerId });
    return VisitEventConnection.from(toConnection(rows, page, (e) => ({ at: e.occurredAt, id: String(e.id) }), toEvent, () => loaders.eventCountByVisitor.load(v.id)));
  }
}
