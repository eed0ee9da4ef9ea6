import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from './connection.type';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not yet answered with a 2xx; the next attempt is scheduled (exponential backoff).' },
    DELIVERED: { description: 'An attempt was answered with a 2xx.' },
    FAILED: { description: 'Given up: no 2xx within the retry window (24 hours by default), or the store removed its webhook URL.' },
  },
});

@ObjectType({ description: 'One event sent (or being sent) to the store\'s webhook, with its attempts summed up. Holds no personal data.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The delivery\'s ID: the `webhook-id` header of every attempt (a retry keeps it).' })
  id: string;

  @Field({ description: 'The event: the payload\'s `type` (forget.completed, forget.failed, store.deleted, access.ready).' })
  event: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Where the delivery stands.' })
  status: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'How many attempts were made so far.' })
  attempts: number;

  @Field(() => Date, { nullable: true, description: 'When the last attempt was made; null before the first.' })
  lastAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last attempt; null when none answered (timeout, network, a target refused by the address rules).' })
  responseStatus: number | null;

  @Field({ description: 'When the event was written.' })
  createdAt: Date;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery', 'webhook delivery');
export type WebhookDeliveryConnection = InstanceType<typeof WebhookDeliveryConnection>;

@ObjectType({ description: 'A new webhook signing secret.' })
export class RotateWebhookSecretPayload {
  @Field({ description: 'The secret, `whsec_` + base64 of 32 random bytes: shown this once, kept only encrypted. Signatures use it from now on.' })
  secret: string;
}
