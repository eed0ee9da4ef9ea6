import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Scope } from '../auth/scope';

@ObjectType({ description: 'A store\'s suppression list (S6): identifiers of forgotten people that ingestion drops. It holds keyed hashes only.' })
export class SuppressionList {
  @Field(() => Int, { description: 'How many identifiers (e-mails, customer IDs, visitor IDs) are suppressed in the store.' })
  totalCount: number;
}

@ObjectType({ description: 'The outcome of lifting a suppression.' })
export class LiftSuppressionPayload {
  @Field(() => Int, { description: 'How many identifiers were lifted (0 when the person was not suppressed).' })
  lifted: number;
}

@Resolver()
export class SuppressionResolver {
  @Authorized(Scope.FORGET)
  @Query(() => SuppressionList, { description: 'The store\'s suppression list, counted.' })
  async suppressions(@Ctx() ctx: Context, @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string): Promise<SuppressionList> {
    return Object.assign(new SuppressionList(), { totalCount: await ctx.services.suppressions.count(ctx, storeId) });
  }

  @Authorized(Scope.FORGET)
  @Mutation(() => LiftSuppressionPayload, {
    description:
      'Lets a forgotten person back in (they came back and consented): lifts every identifier that forgets of that person suppressed in the store, so ingestion accepts them again. '
      + 'What was erased stays erased. Name the person by exactly one of `idOrEmail` and `visitorId`. Audited, with the reason.',
  })
  async liftSuppression(
    @Ctx() ctx: Context,
    @Arg('storeId', () => ID, { description: 'The store.' }) storeId: string,
    @Arg('reason', () => String, { description: 'Why (1-500 characters), kept in the audit trail: no e-mail address or other personal data.' }) reason: string,
    @Arg('idOrEmail', () => String, { nullable: true, description: 'A customer ID or an e-mail address (a value with \'@\' is tried as both).' }) idOrEmail?: string | null,
    @Arg('visitorId', () => ID, { nullable: true, description: 'A visitor ID (an anonymous shopper).' }) visitorId?: string | null,
  ): Promise<LiftSuppressionPayload> {
    const lifted = await ctx.services.suppressions.lift(ctx, storeId, { idOrEmail, visitorId }, reason);
    return Object.assign(new LiftSuppressionPayload(), { lifted });
  }
}
