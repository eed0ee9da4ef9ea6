import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { PageArgs } from './types/page.args';
import { RotateWebhookSecretPayload, WebhookDelivery, WebhookDeliveryConnection, WebhookDeliveryStatus } from './types/webhook.type';

/**
 * Webhooks out. Both need SETTINGS_WRITE: whoever configures the store's webhook also watches
 * its deliveries (they hold no personal data, but they tell about the store's integration).
 */
@Resolver()
export class WebhookResolver {
  @Authorized(Scope.SETTINGS_WRITE)
  @Mutation(() => RotateWebhookSecretPayload, { description: 'Creates a new signing secret for the store\'s webhooks (Standard Webhooks), shown once; the old one stops signing at once. Audited.' })
  async rotateWebhookSecret(@Ctx() ctx: Context, @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string): Promise<RotateWebhookSecretPayload> {
    return Object.assign(new RotateWebhookSecretPayload(), { secret: await ctx.services.webhooks.rotateSecret(ctx, storeId) });
  }

  @Authorized(Scope.SETTINGS_WRITE)
  @Query(() => WebhookDeliveryConnection, { description: 'The store\'s webhook deliveries, newest first, each with its attempts summed up.' })
  async webhookDeliveries(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Args() { first, after }: PageArgs,
  ): Promise<WebhookDeliveryConnection> {
    const conn = await ctx.services.webhooks.deliveries(ctx, storeId, pageRequest(first, after, true));
    return WebhookDeliveryConnection.from({
      ...conn,
      edges: conn.edges.map((e) => ({
        cursor: e.cursor,
        node: Object.assign(new WebhookDelivery(), { ...e.node, status: e.node.status as WebhookDeliveryStatus }),
      })),
    });
  }
}
