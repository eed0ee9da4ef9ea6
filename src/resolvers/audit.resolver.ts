import { Arg, Args, Authorized, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../services/auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { ConnectionType } from './types/connection.type';
import { PageArgs } from './types/page.args';

@ObjectType({ description: 'One entry of the audit trail: a read of personal data or a privacy operation. Entries are never changed or deleted.' })
export class AuditEntry {
  @Field(() => ID, { description: 'The entry\'s ID.' })
  id: string;

  @Field({ description: 'When it happened.' })
  at: Date;

  @Field(() => ID, { description: 'The API key that did it (`cli` for the command line, `system` for scheduled work).' })
  apiKeyId: string;

  @Field({ description: 'The operation: a GraphQL operation name, or a privacy operation such as `forgetCustomer`.' })
  operation: string;

  @Field(() => ID, { nullable: true, description: 'The store concerned.' })
  storeId: string | null;

  @Field(() => String, { nullable: true, description: 'The person concerned, as a keyed hash (never in clear); null for lists.' })
  subjectHash: string | null;

  @Field(() => Int, { description: 'How many personal records were returned or changed.' })
  records: number;

  @Field(() => String, { nullable: true, description: 'The request it belongs to (matches the `x-request-id` response header and the logs).' })
  requestId: string | null;
}

export const AuditEntryConnection = ConnectionType(AuditEntry, 'AuditEntry', 'audit entry');
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;

@Resolver()
export class AuditResolver {
  @Authorized(Scope.AUDIT_READ)
  @Query(() => AuditEntryConnection, { description: 'The audit trail of the caller\'s company, newest first.' })
  async auditLog(
    @Ctx() ctx: Context,
    @Args() { first, after }: PageArgs,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null,
    @Arg('operation', () => String, { nullable: true, description: 'Only this operation.' }) operation?: string | null,
    @Arg('from', () => Date, { nullable: true, description: 'Entries at or after this time.' }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Entries before this time.' }) to?: Date | null,
    @Arg('companyId', () => ID, { nullable: true, description: 'Operator keys only: which company (default: all).' }) companyId?: string | null,
  ): Promise<AuditEntryConnection> {
    const conn = await ctx.services.auditLog.list(ctx, { storeId, operation, from, to }, pageRequest(first, after, true), companyId);
    return AuditEntryConnection.from({
      ...conn,
      edges: conn.edges.map((e) => ({ cursor: e.cursor, node: Object.assign(new AuditEntry(), { ...e.node, id: String(e.node.id) }) })),
    });
  }
}
