import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { authChecker } from './resolvers/auth-checker';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { AuditResolver } from './resolvers/audit.resolver';
import { CompanyResolver } from './resolvers/company.resolver';
import { CustomerResolver } from './resolvers/customer.resolver';
import { DashboardResolver, GdprDashboardResolver } from './resolvers/dashboard.resolver';
import { IngestionResolver } from './resolvers/ingestion.resolver';
import { OrderLineResolver, OrderResolver } from './resolvers/order.resolver';
import { PrivacyResolver } from './resolvers/privacy.resolver';
import { RetentionResolver } from './resolvers/retention.resolver';
import { StoreResolver } from './resolvers/store.resolver';
import { StoreStatsResolver, TopProductResolver } from './resolvers/store-stats.resolver';
import { SuppressionResolver } from './resolvers/suppression.resolver';
import { ViewerResolver } from './resolvers/viewer.resolver';
import { VisitorResolver } from './resolvers/visitor.resolver';
import { WebhookResolver } from './resolvers/webhook.resolver';
import { DateTimeScalar } from './resolvers/types/scalars';

export const RESOLVERS = [
  ViewerResolver,
  CompanyResolver,
  StoreResolver,
  CustomerResolver,
  OrderResolver,
  OrderLineResolver,
  VisitorResolver,
  IngestionResolver,
  ApiKeyResolver,
  PrivacyResolver,
  AuditResolver,
  DashboardResolver,
  GdprDashboardResolver,
  RetentionResolver,
  StoreStatsResolver,
  TopProductResolver,
  SuppressionResolver,
  WebhookResolver,
] as const;

/** The schema, from the resolver classes. `schema.graphql` is this, printed (see test/schema.test.ts). */
export async function createSchema(): Promise<GraphQLSchema> {
  plainFieldsAsSimple();
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    // Input rules live in the services (zod), where the error can name the record without echoing values.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  });
  // type-graphql has no option for the root types' descriptions.
  schema.getQueryType()!.description = 'Reads: who is calling, accounts and stores, shopper profiles, orders, visitors, privacy reports and the forget ledger.';
  schema.getMutationType()!.description = 'Writes: ingestion batches, forget and replay, store and key administration.';
  return schema;
}

/**
 * type-graphql wraps every plain `@Field` of an object type in a resolver of its own (a
 * resolverData object and a middleware dispatch per field and row: ~60 KiB allocated per profile
 * read, bench/PROFILE.md round three) even where that resolver only returns `root[name]`, which is
 * what graphql-js's default resolver does. A field is marked `simple` (graphql's default
 * resolver) only when the wrapper adds nothing: no `@Authorized`, no middleware, and its schema
 * name is its property name. `@FieldResolver`s (every withheld or scoped field) are unaffected:
 * type-graphql resolves them through their resolver class whatever `simple` says.
 */
export function plainFieldsAsSimple(): number {
  let n = 0;
  for (const field of getMetadataStorage().fields) {
    if (field.simple !== undefined || field.roles !== undefined || field.middlewares?.length || field.schemaName !== field.name) continue;
    field.simple = true;
    n++;
  }
  return n;
}

/** The committed form of the schema: sorted, so the file changes only when the schema does. */
export function printSchemaSdl(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
