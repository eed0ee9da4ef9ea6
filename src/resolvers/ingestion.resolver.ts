import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { MAX_BATCH_SIZE } from '../services/ingestion/ingestion-schemas';
import { CustomerInput, EventInput, IngestPayload, OrderInput, ProductInput, UpsertProductsPayload } from './types/ingestion.inputs';

const batchNote = `Validated whole and written in one transaction; at most ${MAX_BATCH_SIZE} records.`;

@Resolver()
export class IngestionResolver {
  @Authorized(Scope.INGEST)
  @Mutation(() => IngestPayload, { description: `Creates or updates customers. ${batchNote}` })
  async upsertCustomers(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('customers', () => [CustomerInput], { description: 'The batch.' }) customers: CustomerInput[],
  ): Promise<IngestPayload> {
    return ctx.services.ingestion.upsertCustomers(ctx, storeId, customers);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => IngestPayload, { description: `Records visit events. ${batchNote}` })
  async trackEvents(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('events', () => [EventInput], { description: 'The batch.' }) events: EventInput[],
  ): Promise<IngestPayload> {
    return ctx.services.ingestion.trackEvents(ctx, storeId, events);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => IngestPayload, { description: `Creates or replaces orders. ${batchNote}` })
  async upsertOrders(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('orders', () => [OrderInput], { description: 'The batch.' }) orders: OrderInput[],
  ): Promise<IngestPayload> {
    return ctx.services.ingestion.upsertOrders(ctx, storeId, orders);
  }

  @Authorized(Scope.INGEST)
  @Mutation(() => UpsertProductsPayload, { description: `Creates or replaces products (name, category). ${batchNote}` })
  async upsertProducts(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('products', () => [ProductInput], { description: 'The batch.' }) products: ProductInput[],
  ): Promise<UpsertProductsPayload> {
    return ctx.services.products.upsertProducts(ctx, storeId, products);
  }
}
