import { Arg, Authorized, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import type { ApiKeyEntity } from '../entities/catalog';
import { UnauthenticatedError } from '../errors';
import { Scope } from '../auth/scope';

@ObjectType({ description: 'An API key, without its secret.' })
export class ApiKey {
  @Field(() => ID, { description: 'The key\'s ID.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The name given at creation, shown with the key\'s entries in the audit trail (null when it has none).' })
  name: string | null;

  @Field(() => ID, { nullable: true, description: 'The company the key belongs to (null for operator keys).' })
  companyId: string | null;

  @Field(() => [Scope], { description: 'What the key may do.' })
  scopes: Scope[];

  @Field(() => [ID], { nullable: true, description: 'Stores the key is narrowed to; null for all of its company\'s stores.' })
  storeIds: string[] | null;

  @Field({ description: 'When the key was created.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the key was last used (to the minute).' })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; it stops working at once.' })
  revokedAt: Date | null;
}

@ObjectType({ description: 'A new API key and its secret. The secret is shown this once and never again.' })
export class CreatedApiKey extends ApiKey {
  @Field({ description: 'The secret, to send as `Authorization: Bearer <secret>`. Store it now.' })
  secret: string;
}

const toApiKey = (k: ApiKeyEntity): ApiKey =>
  Object.assign(new ApiKey(), {
    id: k.id,
    name: k.name,
    companyId: k.companyId,
    scopes: k.scopes as Scope[],
    storeIds: k.storeIds,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  });

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized(Scope.KEYS_ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key. It can never grant more than the key creating it.' })
  async createApiKey(
    @Ctx() ctx: Context,
    @Arg('companyId', () => ID, { description: 'The company the key belongs to.' }) companyId: string,
    @Arg('scopes', () => [Scope], { description: 'What the key may do.' }) scopes: Scope[],
    @Arg('storeIds', () => [ID], { nullable: true, description: 'Narrow the key to these stores.' }) storeIds?: string[] | null,
    @Arg('name', () => String, { nullable: true, description: 'A name people recognise in the audit trail (1-100 characters), e.g. "Shop backend".' }) name?: string | null,
  ): Promise<CreatedApiKey> {
    if (!ctx.principal) throw new UnauthenticatedError();
    const { key, secret } = await ctx.services.apiKeys.create(ctx.principal, companyId, storeIds ?? null, scopes, name);
    return Object.assign(new CreatedApiKey(), toApiKey(key), { secret });
  }

  @Authorized(Scope.KEYS_ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes an API key; it fails from the next request on.' })
  async revokeApiKey(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The key.' }) id: string): Promise<ApiKey> {
    if (!ctx.principal) throw new UnauthenticatedError();
    return toApiKey(await ctx.services.apiKeys.revoke(ctx.principal, id));
  }

  @Authorized(Scope.KEYS_ADMIN)
  @Query(() => [ApiKey], { description: 'The company\'s API keys, newest first, without secrets.' })
  async apiKeys(
    @Ctx() ctx: Context,
    @Arg('companyId', () => ID, { nullable: true, description: 'Operator keys only: which company.' }) companyId?: string | null,
  ): Promise<ApiKey[]> {
    if (!ctx.principal) throw new UnauthenticatedError();
    return (await ctx.services.apiKeys.list(ctx.principal, companyId ?? null)).map(toApiKey);
  }
}
