import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { mapNodes } from '../services/pagination/connection';
import { Customer } from './types/customer.type';
import { toCustomer, toOrder, toOrderLine } from './types/mappers';
import { Order, OrderConnection, OrderLine } from './types/order.type';
import { PageArgs } from './types/page.args';
import { toProduct } from './types/product.mapper';
import { Product } from './types/product.type';

@Resolver(() => Order)
export class OrderResolver {
  @Authorized(Scope.PROFILES_READ)
  @Query(() => OrderConnection, { description: 'A store\'s orders, newest first, optionally within a time range (`totalCount` counts the range).' })
  async orders(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Args() { first, after }: PageArgs,
    @Arg('from', () => Date, { nullable: true, description: 'Only orders placed at or after this time (inclusive).' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Only orders placed before this time (exclusive).' }) to: Date | null,
  ): Promise<OrderConnection> {
    const conn = await ctx.services.profiles.orders(ctx, storeId, pageRequest(first, after, true), { from, to });
    return OrderConnection.from(mapNodes(conn, (o) => toOrder(storeId, o)));
  }

  @Authorized(Scope.PERSONAL_DATA_READ)
  @FieldResolver(() => String, { nullable: true, description: 'The e-mail the order was placed with, if collected. Personal: needs PERSONAL_DATA_READ.' })
  email(@Root() o: Order, @Ctx() ctx: Context): string | null {
    if (o.emailValue) ctx.reads.read(o.storeId, `order:${o.id}`, { customerId: o.customerId, email: o.emailValue });
    return o.emailValue;
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'The buyer\'s profile; null for guest or anonymized orders.' })
  async customer(@Root() o: Order, @Ctx() ctx: Context): Promise<Customer | null> {
    if (!o.customerId) return null;
    const c = await ctx.loaders.store(o.storeId).customerById.load(o.customerId);
    return c ? toCustomer(o.storeId, c) : null;
  }

  @FieldResolver(() => [OrderLine], { description: 'What was bought.' })
  async lines(@Root() o: Order, @Ctx() ctx: Context): Promise<OrderLine[]> {
    return (await ctx.loaders.store(o.storeId).linesByOrder.load(o.id)).map((l) => toOrderLine(o.storeId, l));
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => Product, { description: 'The product bought, with its name and category as the shop sent them (`upsertProducts`).' })
  async product(@Root() l: OrderLine, @Ctx() ctx: Context): Promise<Product> {
    return toProduct(l.productId, await ctx.loaders.store(l.storeId).productById.load(l.productId));
  }
}
