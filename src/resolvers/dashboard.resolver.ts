import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { SubProcessorEntity } from '../entities/catalog';
import { Company } from './types/company.type';
import { GdprDashboard, SubProcessor } from './types/dashboard.type';
import { toStore } from './types/mappers';

const toSubProcessor = (e: SubProcessorEntity): SubProcessor => Object.assign(new SubProcessor(), e);

@Resolver(() => Company)
export class DashboardResolver {
  @Query(() => [SubProcessor], { description: 'The platform\'s sub-processors.' })
  async subProcessors(@Ctx() ctx: Context): Promise<SubProcessor[]> {
    ctx.services.tenancy.principal(ctx);
    return (await ctx.services.tenancy.catalog.getRepository(SubProcessorEntity).find({ order: { id: 'ASC' } })).map(toSubProcessor);
  }

  @FieldResolver(() => GdprDashboard, { description: 'The GDPR dashboard: sub-processors in use and the data types each store holds.' })
  async gdprDashboard(@Root() company: Company, @Ctx() ctx: Context): Promise<GdprDashboard> {
    const d = await ctx.services.dashboard.forCompany(ctx, company.id);
    return {
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
