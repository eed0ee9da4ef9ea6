import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { DEFAULT_TOP_PRODUCTS, MAX_TOP_PRODUCTS } from '../services/stats/store-stats.service';
import { MAX_STATS_BUCKETS } from '../services/stats/stats-buckets';
import { toProduct } from './types/product.mapper';
import { Product } from './types/product.type';
import { StatsBucket, StatsInterval, StoreStats, TopProduct } from './types/store-stats.type';

/** Analysts' aggregates: counts and sums only, so PROFILES_READ suffices and nothing is a personal read. */
@Resolver(() => StoreStats)
export class StoreStatsResolver {
  @Authorized(Scope.PROFILES_READ)
  @Query(() => StoreStats, {
    description: `A store's orders, buyers, revenue, visitors and events per UTC bucket, computed by the database. At most ${MAX_STATS_BUCKETS} buckets per query. No personal data. Needs PROFILES_READ.`,
  })
  async storeStats(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('from', () => Date, { description: 'Start of the range, inclusive.' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the range, exclusive.' }) to: Date,
    @Arg('interval', () => StatsInterval, { nullable: true, defaultValue: StatsInterval.DAY, description: 'Bucket width (default DAY).' }) interval: StatsInterval,
  ): Promise<StoreStats> {
    const r = await ctx.services.stats.range(ctx, storeId, from, to, interval);
    return Object.assign(new StoreStats(), { storeId: r.storeId, id: r.storeId, from: r.from, to: r.to, interval });
  }

  @FieldResolver(() => [StatsBucket], { description: 'One entry per bucket from the one holding `from` to the last before `to`, empty buckets included, oldest first.' })
  async buckets(@Root() s: StoreStats, @Ctx() ctx: Context): Promise<StatsBucket[]> {
    return ctx.services.stats.buckets(ctx, await this.rangeOf(s, ctx));
  }

  @FieldResolver(() => [TopProduct], { description: 'The products sold most in the range, by units, descending (ties by product ID).' })
  async topProducts(
    @Root() s: StoreStats,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: `How many, 0-${MAX_TOP_PRODUCTS} (default ${DEFAULT_TOP_PRODUCTS}).` }) first: number | null,
  ): Promise<TopProduct[]> {
    const rows = await ctx.services.stats.topProducts(ctx, await this.rangeOf(s, ctx), first);
    return rows.map((r) => Object.assign(new TopProduct(), { productId: r.productId, quantity: r.quantity, revenue: r.revenue, storeId: s.storeId }));
  }

  private rangeOf(s: StoreStats, ctx: Context) {
    return ctx.services.stats.range(ctx, s.storeId, s.from, s.to, s.interval);
  }
}

@Resolver(() => TopProduct)
export class TopProductResolver {
  @FieldResolver(() => Product, { description: 'The product (name and category as the shop sent them).' })
  async product(@Root() t: TopProduct, @Ctx() ctx: Context): Promise<Product> {
    return toProduct(t.productId, await ctx.loaders.store(t.storeId).productById.load(t.productId));
  }
}
