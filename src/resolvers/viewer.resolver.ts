import { Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { UnauthenticatedError } from '../errors';
import { Scope } from '../auth/scope';
import { Company } from './types/company.type';
import { toCompany } from './types/mappers';

@ObjectType({ description: 'The API key making this request.' })
export class Viewer {
  @Field(() => ID, { description: 'The key\'s ID (never its secret).' })
  apiKeyId: string;

  @Field(() => [Scope], { description: 'What the key may do.' })
  scopes: Scope[];

  @Field(() => [ID], { nullable: true, description: 'The stores the key is narrowed to; null for every store of its company.' })
  storeIds: string[] | null;

  @Field({ description: 'True for operator keys, which reach every company.' })
  operator: boolean;

  companyId: string | null;
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { description: 'Who is calling: the API key, its scopes and its company.' })
  viewer(@Ctx() ctx: Context): Viewer {
    const p = ctx.principal;
    if (!p) throw new UnauthenticatedError();
    return Object.assign(new Viewer(), {
      apiKeyId: p.apiKeyId,
      scopes: [...p.scopes].sort(),
      storeIds: p.storeIds ? [...p.storeIds].sort() : null,
      operator: p.operator,
      companyId: p.companyId,
    });
  }

  @FieldResolver(() => Company, { nullable: true, description: 'The key\'s company; null for operator keys.' })
  async company(@Root() viewer: Viewer, @Ctx() ctx: Context): Promise<Company | null> {
    if (!viewer.companyId) return null;
    return toCompany(await ctx.services.companies.get(ctx, viewer.companyId));
  }
}
