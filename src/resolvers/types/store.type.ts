import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What a store lets the platform collect and which platform products it uses.' })
export class StoreSettings {
  @Field({ description: 'Whether e-mail addresses are collected. Off unless the store explicitly enables it.' })
  collectEmails: boolean;

  @Field({ description: 'Whether page views are tracked.' })
  trackPageViews: boolean;

  @Field({ description: 'Whether views of content shown by the platform are tracked.' })
  trackContentViews: boolean;

  @Field({ description: 'Whether clicks on content shown by the platform are tracked.' })
  trackClicks: boolean;

  @Field({ description: 'Whether CRM attributes (name, age, gender, city, further attributes) are kept.' })
  collectCrm: boolean;

  @Field(() => [String], { description: 'Platform products the store uses (they decide which sub-processors are in use).' })
  products: string[];

  @Field(() => Int, { description: 'Shortest retention of a visitor\'s data, in months (1-12).' })
  retentionMinMonths: number;

  @Field(() => Int, { description: 'Longest retention of a visitor\'s data, in months (1-12).' })
  retentionMaxMonths: number;

  @Field(() => String, { nullable: true, description: 'Where the store\'s webhooks go; null: none are sent. The signing secret is never shown (see rotateWebhookSecret).' })
  webhookUrl: string | null;

  @Field(() => String, { nullable: true, description: 'The Shopify shop (`<name>.myshopify.com`) whose compliance webhooks (POST /webhooks/shopify) act on this store; null when not linked.' })
  shopifyDomain: string | null;
}

@ObjectType({ description: 'A shop: the unit of data isolation, with a database of its own.' })
export class Store {
  @Field(() => ID, { description: 'The store\'s ID.' })
  id: string;

  @Field(() => ID, { description: 'The company that owns the store.' })
  companyId: string;

  @Field({ description: 'The store\'s name.' })
  name: string;

  @Field(() => StoreSettings, { description: 'Collection settings.' })
  settings: StoreSettings;

  @Field({ description: 'Which database server holds the store\'s data (`embedded` for the SQLite engine).' })
  server: string;

  @Field({ description: 'When the store was created.' })
  createdAt: Date;
}
