import { Arg, Args, Authorized, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';
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

  @Field(() => String, { nullable: true, description: 'The name given to that key when it was created (null when it has none).' })
  apiKeyName: string | null;

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

  @Field(() => String, {
    nullable: true,
    description: 'What the operation changed, without personal data: for `updateStoreSettings` the names of the settings whose value changed (`settings changed: collectEmails, products`), for `liftSuppression` the reason given.',
  })
  detail: string | null;
}

export const AuditEntryConnection = ConnectionType(AuditEntry, 'AuditEntry', 'audit entry');
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;

@Resolver()
export class AuditResolver {
  @Authorized(Scope.AUDIT_READ)
  @Query(() => AuditEntryConnection, { description: 'The audit trail of the caller\'s company, newest first. `subject` finds every entry about one person, by any of their identifiers.' })
  async auditLog(
    @Ctx() ctx: Context,
    @Args() { first, after }: PageArgs,
    @Arg('subject', () => String, {
      nullable: true,
      description:
        'Only entries about this person: a customer ID, a visitor ID or an e-mail address (a value with \'@\' is tried as an e-mail and as a customer ID; any other value as a customer ID and as a visitor ID). '
        + 'An entry carries the keyed hash of every identifier of the person known when it was written, so any one of them finds it. Matched per store, in the stores the key reaches.',
    })
    subject?: string | null,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null,
    @Arg('operation', () => String, { nullable: true, description: 'Only this operation (exactly; at most 64 characters).' }) operation?: string | null,
    @Arg('from', () => Date, { nullable: true, description: 'Entries at or after this time.' }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Entries before this time.' }) to?: Date | null,
    @Arg('companyId', () => ID, { nullable: true, description: 'Operator keys only: which company (default: all).' }) companyId?: string | null,
  ): Promise<AuditEntryConnection> {
    const conn = await ctx.services.auditLog.list(ctx, { storeId, operation, from, to, subject }, pageRequest(first, after, true), companyId);
    return AuditEntryConnection.from({
      ...conn,
      edges: conn.edges.map((e) => ({ cursor: e.cursor, node: Object.assign(new AuditEntry(), {
        id: String(e.node.id),
        at: e.node.at,
        apiKeyId: e.node.apiKeyId,
        apiKeyName: e.node.apiKeyName,
        operation: e.node.operation,
        storeId: e.node.storeId,
        subjectHash: e.node.subjectHash,
        records: e.node.records,
        requestId: e.node.requestId,
        detail: e.node.detail,
      }) })),
    });
  }
}
