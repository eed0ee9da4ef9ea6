import { Arg, Args, Authorized, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { PurgeRunEntity } from '../entities/catalog';
import { Scope } from '../auth/scope';
import { pageRequest } from '../services/pagination/cursor';
import { ConnectionType } from './types/connection.type';
import { PageArgs } from './types/page.args';
import { Visitor } from './types/visitor.type';

@ObjectType({ description: 'One retention purge of one store (S8), as recorded in the catalog.' })
export class PurgeRun {
  @Field(() => ID, { description: 'The run\'s ID.' })
  id: string;

  @Field(() => ID, { description: 'The store purged.' })
  storeId: string;

  @Field({ description: 'RUNNING, COMPLETED, or INTERRUPTED (the next purge resumes it).' })
  status: string;

  @Field({ description: 'Who started it: an API key ID, `schedule`, or `cli`.' })
  triggeredBy: string;

  @Field({ description: 'The moment retention was measured from.' })
  asOf: Date;

  @Field({ description: 'When it started.' })
  startedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it finished.' })
  finishedAt: Date | null;

  @Field(() => Int, { description: 'Visitors deleted (no events left and no customer link).' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events deleted.' })
  eventsDeleted: number;
}

export const PurgeRunConnection = ConnectionType(PurgeRun, 'PurgeRun', 'purge run');
export type PurgeRunConnection = InstanceType<typeof PurgeRunConnection>;

@ObjectType({ description: 'What a retention purge deleted.' })
export class PurgePayload {
  @Field(() => Int, { description: 'Visitors deleted.' })
  visitorsDeleted: number;

  @Field(() => Int, { description: 'Visit events deleted.' })
  eventsDeleted: number;

  @Field(() => [PurgeRun], { description: 'One run per store.' })
  runs: PurgeRun[];
}

const toRun = (r: PurgeRunEntity): PurgeRun => Object.assign(new PurgeRun(), r);

@Resolver(() => Visitor)
export class RetentionResolver {
  @Authorized(Scope.SETTINGS_WRITE)
  @Mutation(() => PurgePayload, { description: 'Runs the retention purge now (S8), in one store or every store the key reaches. Orders are never touched.' })
  async purgeExpiredData(@Ctx() ctx: Context, @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null): Promise<PurgePayload> {
    const t = await ctx.services.retention.purge(ctx, storeId, { chunkSize: ctx.services.config.retentionChunk });
    return Object.assign(new PurgePayload(), { visitorsDeleted: t.visitorsDeleted, eventsDeleted: t.eventsDeleted, runs: t.runs.map(toRun) });
  }

  @Authorized(Scope.AUDIT_READ)
  @Query(() => PurgeRunConnection, { description: 'Recorded retention purges, newest first.' })
  async purgeRuns(@Ctx() ctx: Context, @Args() { first, after }: PageArgs, @Arg('storeId', () => ID, { nullable: true, description: 'Only this store.' }) storeId?: string | null): Promise<PurgeRunConnection> {
    const conn = await ctx.services.retention.runs(ctx, storeId, pageRequest(first, after, true));
    return PurgeRunConnection.from({ ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: toRun(e.node) })) });
  }

  @FieldResolver(() => Int, { description: 'How many months this visitor\'s data is kept (1-12, by how often and how long they visit; see the README).' })
  async retentionMonths(@Root() v: Visitor, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.store(v.storeId).retentionByVisitor.load(v)).months;
  }

  @FieldResolver(() => Date, { description: 'When this visitor\'s data expires if they do not come back: last seen + retentionMonths.' })
  async retainedUntil(@Root() v: Visitor, @Ctx() ctx: Context): Promise<Date> {
    return (await ctx.loaders.store(v.storeId).retentionByVisitor.load(v)).retainedUntil;
  }
}
