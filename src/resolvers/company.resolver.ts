import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { OPERATOR } from '../auth/scope';
import { Company } from './types/company.type';
import { toCompany, toStore } from './types/mappers';
import { Store } from './types/store.type';

@Resolver(() => Company)
export class CompanyResolver {
  @Query(() => Company, { description: 'The caller\'s company; an operator key names one with `id`.' })
  async company(@Ctx() ctx: Context, @Arg('id', () => ID, { nullable: true, description: 'Operator keys only: which company.' }) id?: string | null): Promise<Company> {
    return toCompany(await ctx.services.companies.get(ctx, id));
  }

  @Authorized(OPERATOR)
  @Mutation(() => Company, { description: 'Creates a company (operator keys only).' })
  async createCompany(@Ctx() ctx: Context, @Arg('name', { description: 'The company\'s name.' }) name: string): Promise<Company> {
    return toCompany(await ctx.services.companies.create(ctx, name));
  }

  @FieldResolver(() => [Store], { description: 'The company\'s stores that this key reaches.' })
  async stores(@Root() company: Company, @Ctx() ctx: Context): Promise<Store[]> {
    return (await ctx.services.stores.list(ctx, company.id)).map(toStore);
  }
}
