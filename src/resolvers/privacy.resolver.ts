import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { BadUserInputError } from '../errors';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import type { LedgerFilter } from '../services/privacy/ledger.service';
import { reportDocument } from '../services/privacy/report-document';
import { reportHtml } from '../services/privacy/report-html';
import { toCustomer, toEvent, toForgetRequest, toOrder, toStore, toSubProcessor, toVisitor } from './types/mappers';
import { PageArgs } from './types/page.args';
import { ForgetCustomerPayload, ForgetRequest, ForgetRequestConnection, ForgetStatus, PrivacyReportPayload, ReplayPayload } from './types/privacy.type';
import { Store } from './types/store.type';

const IDOREMAIL = 'The person as a customer ID or an e-mail address; a value with \'@\' is tried as both. Give this or `visitorId`, not both.';
const VISITOR_ID = 'The person as an anonymous shopper, by the platform\'s visitor ID. Give this or `idOrEmail`, not both.';

@InputType({ description: 'One person of a bulk forget: exactly one of `idOrEmail` or `visitorId`, and optionally your ticket reference.' })
export class ForgetSubjectInput {
  @Field(() => String, { nullable: true, description: IDOREMAIL })
  idOrEmail?: string | null;

  @Field(() => ID, { nullable: true, description: VISITOR_ID })
  visitorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Your own ticket number for this person\'s request (at most 128 characters, never personal data). Kept on the ledger.' })
  reference?: string | null;
}

@Resolver(() => ForgetRequest)
export class PrivacyResolver {
  @Authorized(Scope.PERSONAL_DATA_READ)
  @Query(() => PrivacyReportPayload, { description: 'Everything held about one person, in every store the key reaches unless `storeId` narrows it (S3).' })
  async privacyReport(
    @Ctx() ctx: Context,
    @Arg('idOrEmail', () => String, { nullable: true, description: IDOREMAIL }) idOrEmail: string | null | undefined,
    @Arg('visitorId', () => ID, { nullable: true, description: VISITOR_ID }) visitorId: string | null | undefined,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null,
  ): Promise<PrivacyReportPayload> {
    const report = await ctx.services.reports.report(ctx, { idOrEmail, visitorId }, storeId);
    return Object.assign(new PrivacyReportPayload(), {
      generatedAt: report.generatedAt,
      render: { json: () => reportDocument(report), html: () => reportHtml(report) },
      stores: report.stores.map((s) => {
        const customers = s.customers.map((c) => toCustomer(s.store.id, c));
        return {
          store: toStore(s.store),
          customer: customers[0] ?? null,
          customers,
          orders: s.orders.map((o) => toOrder(s.store.id, o)),
          visitors: s.visitors.map((v) => toVisitor(s.store.id, v)),
          events: s.events.map(toEvent),
          preferences: s.preferences,
          dataCategories: s.dataCategories,
          purposes: s.content.purposes,
          recipients: s.content.recipients.map(toSubProcessor),
          retention: s.content.retention,
          sources: s.content.sources,
        };
      }),
    });
  }

  @Authorized(Scope.FORGET)
  @Mutation(() => ForgetCustomerPayload, { description: 'Forgets a person (S4): erases their personal data and keeps their orders anonymized, in one store or every store the key reaches. Idempotent. With `dryRun`, only says what it would erase.' })
  async forgetCustomer(
    @Ctx() ctx: Context,
    @Arg('idOrEmail', () => String, { nullable: true, description: IDOREMAIL }) idOrEmail: string | null | undefined,
    @Arg('visitorId', () => ID, { nullable: true, description: VISITOR_ID }) visitorId: string | null | undefined,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null,
    @Arg('dryRun', () => Boolean, { nullable: true, description: 'Count what would be erased; change and record nothing but an audit entry.' }) dryRun?: boolean | null,
    @Arg('reference', () => String, { nullable: true, description: 'Your own ticket number for the request (at most 128 characters, no control characters, never personal data: one containing an e-mail address is refused). Kept on the ledger.' }) reference?: string | null,
  ): Promise<ForgetCustomerPayload> {
    const outcomes = await ctx.services.forget.forget(ctx, { idOrEmail, visitorId }, storeId, dryRun ?? false, reference);
    return Object.assign(new ForgetCustomerPayload(), { requests: outcomes.map(toForgetRequest) });
  }

  @Authorized(Scope.FORGET)
  @Mutation(() => ForgetCustomerPayload, {
    description:
      'Bulk forget in one store (up to 1,000 people): the whole list is validated first (an error names `subjects[i].<field>`, and nothing runs), then each person is forgotten as forgetCustomer does. `requests` holds one outcome per subject, in the order given.',
  })
  async forgetCustomers(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('subjects', () => [ForgetSubjectInput], { description: 'The people to forget (1-1,000).' }) subjects: ForgetSubjectInput[],
    @Arg('dryRun', () => Boolean, { nullable: true, description: 'Count what would be erased for each; change and record nothing but audit entries.' }) dryRun?: boolean | null,
  ): Promise<ForgetCustomerPayload> {
    const outcomes = await ctx.services.forget.forgetMany(ctx, storeId, subjects, dryRun ?? false);
    return Object.assign(new ForgetCustomerPayload(), { requests: outcomes.map(toForgetRequest) });
  }

  @Authorized(Scope.FORGET)
  @Mutation(() => ReplayPayload, { description: 'After a backup restore (S5): re-applies every forget request recorded since `since` to the store databases as they are now.' })
  async replayForgetRequests(
    @Ctx() ctx: Context,
    @Arg('since', () => Date, { description: 'Replay requests made at or after this time (the backup\'s age, at most 30 days back).' }) since: Date,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null,
  ): Promise<ReplayPayload> {
    if (since.getTime() > Date.now()) throw new BadUserInputError('`since` is in the future');
    return Object.assign(new ReplayPayload(), await ctx.services.replay.replay(ctx, since, storeId));
  }

  @Authorized(Scope.FORGET)
  @Query(() => ForgetRequestConnection, { description: 'The forget ledger, newest first. It never names the person.' })
  async forgetRequests(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId: string | null | undefined,
    @Arg('status', () => ForgetStatus, { nullable: true, description: 'Only requests in this state.' }) status: ForgetStatus | null | undefined,
    @Arg('from', () => Date, { nullable: true, description: 'Only requests made at or after this time (inclusive).' }) from: Date | null | undefined,
    @Arg('to', () => Date, { nullable: true, description: 'Only requests made before this time (exclusive).' }) to: Date | null | undefined,
    @Args() { first, after }: PageArgs,
  ): Promise<ForgetRequestConnection> {
    const filter = { status: status as LedgerFilter['status'], from, to };
    const conn = await ctx.services.ledger.list(ctx, storeId, pageRequest(first, after, true), filter);
    return ForgetRequestConnection.from({ ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: toForgetRequest(e.node) })) });
  }

  @Authorized(Scope.FORGET)
  @Query(() => ForgetRequest, { description: 'One entry of the forget ledger (a request in one store). Another company\'s request is NOT_FOUND, as a missing one.' })
  async forgetRequest(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The request\'s ID (ForgetRequest.id).' }) id: string): Promise<ForgetRequest> {
    return toForgetRequest(await ctx.services.ledger.get(ctx, id));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'For a COMPLETED request, a signed receipt: a compact JWS (alg EdDSA, with `kid`) whose payload is the ledger entry (iss, type "forget", requestId, storeId, subjectHash, status, counts, requestedAt, completedAt, backupsClearBy, reference; no personal data). Verify it with the public keys at GET /.well-known/jwks.json. Null for any other status.',
  })
  async receipt(@Root() r: ForgetRequest, @Ctx() ctx: Context): Promise<string | null> {
    return ctx.services.receipts.forEntry(r);
  }

  @FieldResolver(() => Store, { description: 'The store the request ran in.' })
  async store(@Root() r: ForgetRequest, @Ctx() ctx: Context): Promise<Store> {
    return toStore(await ctx.services.stores.get(ctx, r.storeId));
  }
}
