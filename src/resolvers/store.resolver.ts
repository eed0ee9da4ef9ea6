import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { KNOWN_PRODUCTS, type StoreSettingsChange } from '../services/catalog/store.service';
import { toStore } from './types/mappers';
import { Store } from './types/store.type';

@InputType({ description: 'Store settings to set; omitted fields keep their value.' })
export class StoreSettingsInput implements StoreSettingsChange {
  @Field(() => Boolean, { nullable: true, description: 'Collect e-mail addresses (off by default).' })
  collectEmails?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Track page views (on by default).' })
  trackPageViews?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Track views of content shown by the platform (on by default).' })
  trackContentViews?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Track clicks on content shown by the platform (on by default).' })
  trackClicks?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Keep CRM attributes (on by default).' })
  collectCrm?: boolean | null;

  @Field(() => [String], { nullable: true, description: `Platform products the store uses: ${KNOWN_PRODUCTS.join(', ')}.` })
  products?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Shortest retention of visit data, months (1-12, default 1).' })
  retentionMinMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Longest retention of visit data, months (1-12, default 12).' })
  retentionMaxMonths?: number | null;

  @Field(() => String, { nullable: true, description: 'Where the store\'s webhooks go (Standard Webhooks): an https:// URL whose host resolves to public addresses only (http:// and private addresses only with WEBHOOK_ALLOW_PRIVATE=true). null removes it.' })
  webhookUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'The Shopify shop\'s `<name>.myshopify.com` host (unique across stores): its compliance webhooks act on this store. An empty string unlinks it.' })
  shopifyDomain?: string | null;
}

@ObjectType({ description: 'The outcome of deleteStore: the store is gone, with a signed receipt of its deletion.' })
export class DeleteStorePayload {
  @Field(() => ID, { description: 'The deleted store\'s ID.' })
  storeId: string;

  @Field({ description: 'When the deletion took effect (from then on the store is NOT_FOUND everywhere).' })
  deletedAt: Date;

  @Field(() => String, {
    nullable: true,
    description:
      'A signed receipt of the deletion: a compact JWS (alg EdDSA, with `kid`) whose payload is the deletion record (iss, type "store.deleted", deletionId, storeId, status, counts of what was dropped, requestedAt, completedAt). Verify it with GET /.well-known/jwks.json.',
  })
  receipt: string | null;
}

@ObjectType({ description: 'The record of a store\'s deletion (offboarding): what was dropped, kept after the store is gone. No personal data.' })
export class StoreDeletion {
  @Field(() => ID, { description: 'The deletion\'s ID (deletionId in its receipt).' })
  id: string;

  @Field(() => ID, { description: 'The deleted store\'s ID.' })
  storeId: string;

  @Field({ description: 'PENDING while it runs (an interrupted one is finished at the next start), then COMPLETED.' })
  status: string;

  @Field({ description: 'When the deletion was asked for and took effect.' })
  requestedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the store\'s database, user and keys were gone.' })
  completedAt: Date | null;

  @Field(() => Int, { description: 'Customer rows the store held when it was dropped.' })
  customersDeleted: number;

  @Field(() => Int, { description: 'Orders the store held when it was dropped.' })
  ordersDeleted: number;

  @Field(() => Int, { description: 'Visitor IDs the store held when it was dropped.' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events the store held when it was dropped.' })
  eventsDeleted: number;

  @Field(() => Int, { description: 'API keys narrowed to this store alone, revoked with it.' })
  keysRevoked: number;

  @Field(() => String, { nullable: true, description: 'The signed receipt (as deleteStore returned it) once COMPLETED.' })
  receipt: string | null;
}

@Resolver(() => Store)
export class StoreResolver {
  @Query(() => Store, { description: 'One store the key reaches.' })
  async store(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The store\'s ID.' }) id: string): Promise<Store> {
    return toStore(await ctx.services.stores.get(ctx, id));
  }

  @Query(() => [Store], { description: 'Every store the key reaches.' })
  async stores(@Ctx() ctx: Context): Promise<Store[]> {
    return (await ctx.services.stores.list(ctx, ctx.principal?.companyId)).map(toStore);
  }

  @Authorized(Scope.SETTINGS_WRITE)
  @Mutation(() => Store, { description: 'Creates a store, with a database of its own, in a company the key reaches.' })
  async createStore(
    @Ctx() ctx: Context,
    @Arg('companyId', () => ID, { description: 'The owning company.' }) companyId: string,
    @Arg('name', { description: 'The store\'s name.' }) name: string,
    @Arg('settings', () => StoreSettingsInput, { nullable: true, description: 'Initial settings.' }) settings?: StoreSettingsInput | null,
    @Arg('server', () => String, { nullable: true, description: 'The database server to place the store on (a configured name; `default` is the catalog\'s server). Omitted: the server holding the fewest stores.' }) server?: string | null,
  ): Promise<Store> {
    return toStore(await ctx.services.stores.create(ctx, companyId, name, settings, server));
  }

  @Authorized(Scope.SETTINGS_WRITE)
  @Mutation(() => DeleteStorePayload, {
    description:
      'Offboarding: deletes a store with all it holds (its database, or its SQLite file overwritten and removed, and its database user), revokes keys narrowed to it alone, and removes it from every list. The forget ledger, suppression hashes and audit entries are kept. Takes effect at once; an interrupted deletion is finished at the next start.',
  })
  async deleteStore(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store to delete.' }) storeId: string,
    @Arg('confirmName', { description: 'The store\'s name, exactly as it is: a guard against deleting the wrong store.' }) confirmName: string,
  ): Promise<DeleteStorePayload> {
    const { storeId: id, deletedAt, receipt } = await ctx.services.storeDeletions.delete(ctx, storeId, confirmName);
    return Object.assign(new DeleteStorePayload(), { storeId: id, deletedAt, receipt });
  }

  @Authorized(Scope.SETTINGS_WRITE)
  @Query(() => StoreDeletion, { description: 'The record and receipt of a deleted store\'s deletion, for the company that owned it (a deletion finished after a crash included). Another company\'s is NOT_FOUND.' })
  async storeDeletion(@Ctx() ctx: Context, @Arg('storeId', () => ID, { description: 'The deleted store\'s ID.' }) storeId: string): Promise<StoreDeletion> {
    const { deletion, receipt } = await ctx.services.storeDeletions.find(ctx, storeId);
    return Object.assign(new StoreDeletion(), { ...deletion, receipt });
  }

  @Authorized(Scope.SETTINGS_WRITE)
  @Mutation(() => Store, { description: 'Changes a store\'s collection settings.' })
  async updateStoreSettings(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('settings', () => StoreSettingsInput, { description: 'Settings to change.' }) settings: StoreSettingsInput,
    @Arg('eraseCollected', () => Boolean, { nullable: true, description: 'With `collectEmails: false`: also erase the e-mail addresses already held in the store.' }) eraseCollected?: boolean | null,
  ): Promise<Store> {
    return toStore(await ctx.services.stores.updateSettings(ctx, storeId, settings, eraseCollected ?? false));
  }
}
