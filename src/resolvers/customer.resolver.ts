import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { selects } from '../services/pagination/selection';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { mapNodes, toConnection } from '../services/pagination/connection';
import { Crm, Customer, CustomerConnection, CustomerOrderBy, Preferences } from './types/customer.type';
import { toCustomer, toOrder, toVisitor } from './types/mappers';
import { OrderConnection } from './types/order.type';
import { PageArgs } from './types/page.args';
import { Visitor } from './types/visitor.type';

/** A personal field of this customer is in the response: the audit trail will say so, naming them by every identifier. */
function auditRead(ctx: Context, c: Customer): void {
  ctx.reads.read(c.storeId, `customer:${c.id}`, { customerId: c.id, email: c.emailValue });
}

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(Scope.PROFILES_READ)
  @Query(() => Customer, { nullable: true, description: 'A profile by customer ID or e-mail address (S2); null when the store has no such customer.' })
  async customer(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('idOrEmail', { description: 'A customer ID or an e-mail address (matched exactly after trimming and lower-casing).' }) idOrEmail: string,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Customer | null> {
    const loaders = ctx.loaders.store(storeId);
    const c = await ctx.services.profiles.findCustomer(ctx, storeId, idOrEmail, {
      withPreferences: selects(info, ['preferences']),
      onFound: (found, links, preferences) => {
        loaders.profileLinks.prime({ id: found.id, email: found.email }, links);
        if (preferences) loaders.preferencesByCustomer.prime(found.id, preferences);
      },
    });
    return c ? toCustomer(storeId, c) : null;
  }

  @Authorized(Scope.PROFILES_READ)
  @Query(() => CustomerConnection, { description: 'A store\'s customers, by ID or most recently updated first.' })
  async customers(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Args() { first, after }: PageArgs,
    @Arg('orderBy', () => CustomerOrderBy, { nullable: true, defaultValue: CustomerOrderBy.ID, description: 'The order of the list (default ID); a cursor continues only the order that produced it.' }) orderBy: CustomerOrderBy,
  ): Promise<CustomerConnection> {
    const conn = await ctx.services.profiles.customers(ctx, storeId, pageRequest(first, after, orderBy === CustomerOrderBy.UPDATED_AT), orderBy);
    return CustomerConnection.from(mapNodes(conn, (c) => toCustomer(storeId, c)));
  }

  @Authorized(Scope.PERSONAL_DATA_READ)
  @FieldResolver(() => String, { nullable: true, description: 'E-mail address, if the store collects them. Personal: needs PERSONAL_DATA_READ.' })
  email(@Root() c: Customer, @Ctx() ctx: Context): string | null {
    auditRead(ctx, c);
    return c.emailValue;
  }

  @Authorized(Scope.PERSONAL_DATA_READ)
  @FieldResolver(() => String, { nullable: true, description: 'Name. Personal: needs PERSONAL_DATA_READ.' })
  name(@Root() c: Customer, @Ctx() ctx: Context): string | null {
    auditRead(ctx, c);
    return c.nameValue;
  }

  @Authorized(Scope.PERSONAL_DATA_READ)
  @FieldResolver(() => Crm, { nullable: true, description: 'CRM attributes. Personal: needs PERSONAL_DATA_READ.' })
  crm(@Root() c: Customer, @Ctx() ctx: Context): Crm {
    auditRead(ctx, c);
    return Object.assign(new Crm(), c.crmValue);
  }

  @FieldResolver(() => OrderConnection, {
    description: 'The customer\'s orders, newest first: those carrying their customer ID, their e-mail (guest orders included) or one of their visitor IDs, as the privacy report attributes them.',
  })
  async orders(@Root() c: Customer, @Ctx() ctx: Context, @Args() { first, after }: PageArgs, @Info() info: GraphQLResolveInfo): Promise<OrderConnection> {
    const page = pageRequest(first, after, true);
    const loaders = ctx.loaders.store(c.storeId);
    const { identifiers } = await loaders.profileLinks.load({ id: c.id, email: c.emailValue });
    const rows = await loaders.ordersByPerson.load({ person: c.id, identifiers, page, withLines: selects(info, ['edges', 'node', 'lines']) });
    return OrderConnection.from(
      toConnection(rows, page, (o) => ({ at: o.createdAt, id: o.id }), (o) => toOrder(c.storeId, o), () => loaders.orderCountByPerson.load({ person: c.id, identifiers })),
    );
  }

  @FieldResolver(() => [Visitor], {
    description: 'Visitor IDs linked to the customer (by customer ID, by e-mail, or as the visitor on one of their orders), most recently seen first.',
  })
  async visitors(@Root() c: Customer, @Ctx() ctx: Context): Promise<Visitor[]> {
    return (await ctx.loaders.store(c.storeId).profileLinks.load({ id: c.id, email: c.emailValue })).visitors.map((v) => toVisitor(c.storeId, v));
  }

  @FieldResolver(() => Preferences, { description: 'Purchase preferences derived from clicks and purchases.' })
  async preferences(@Root() c: Customer, @Ctx() ctx: Context): Promise<Preferences> {
    return ctx.loaders.store(c.storeId).preferencesByCustomer.load(c.id);
  }
}
