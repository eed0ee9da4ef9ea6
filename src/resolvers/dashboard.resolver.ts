import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { PurgeRun } from './retention.resolver';
import { Company } from './types/company.type';
import { ForgetRequestCounts, GdprDashboard, PrivacyActivity, StorePurgeActivity } from './types/dashboard.type';
import { SubProcessor } from './types/sub-processor.type';
import { toForgetRequest, toStore, toSubProcessor } from './types/mappers';

@Resolver(() => Company)
export class DashboardResolver {
  @Query(() => [SubProcessor], { description: 'The platform\'s sub-processors.' })
  async subProcessors(@Ctx() ctx: Context): Promise<SubProcessor[]> {
    return (await ctx.services.dashboard.subProcessors(ctx)).map(toSubProcessor);
  }

  @FieldResolver(() => GdprDashboard, { description: 'The GDPR dashboard: sub-processors in use and the data types each store holds.' })
  async gdprDashboard(@Root() company: Company, @Ctx() ctx: Context): Promise<GdprDashboard> {
    const d = await ctx.services.dashboard.forCompany(ctx, company.id);
    return {
      companyId: company.id,
      subProcessors: d.subProcessors.map((u) => ({
        subProcessor: toSubProcessor(u.subProcessor),
        inUse: u.usedBy.length > 0,
        usedBy: u.usedBy.map((s) => ({ store: toStore(s.store), products: s.products })),
      })),
      stores: d.stores.map((s) => ({
        store: toStore(s.store),
        browsingHistory: s.counts.visitors > 0,
        purchasePreferences: s.counts.customersWithPreferences > 0,
        emailAddress: s.counts.emailAddresses > 0,
        orderHistory: s.counts.orders > 0,
        crm: s.counts.customersWithCrm > 0,
        counts: s.counts,
        location: s.location,
      })),
    };
  }
}

@Resolver(() => GdprDashboard)
export class GdprDashboardResolver {
  @FieldResolver(() => PrivacyActivity, { description: 'The privacy activity of the last 30 days: forget requests by status, failures to retry, retention purges, and when backups no longer hold forgotten data.' })
  async activity(@Root() dashboard: GdprDashboard, @Ctx() ctx: Context): Promise<PrivacyActivity> {
    const a = await ctx.services.dashboard.activity(ctx, dashboard.companyId);
    return Object.assign(new PrivacyActivity(), {
      ...a,
      forgetRequests: Object.assign(new ForgetRequestCounts(), a.forgetRequests),
      failedToRetry: a.failedToRetry.map(toForgetRequest),
      purges: a.purges.map((p) =>
        Object.assign(new StorePurgeActivity(), { ...p, store: toStore(p.store), lastRun: p.lastRun && Object.assign(new PurgeRun(), p.lastRun) }),
      ),
    });
  }
}
