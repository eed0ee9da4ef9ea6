import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { Context } from '../context';

/**
 * At the end of each request, writes one audit entry per store whose personal data the
 * response carried (see ReadAudit). The entry names the operation, not its arguments.
 */
export function auditPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, operation, operationName }) {
          if (!ctx.reads) return;
          const rootFields = operation?.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) ?? [];
          const name = operationName ?? (rootFields.join(',') || 'anonymous');
          const pending = ctx.reads.entries(name);
          if (pending.length === 0) return;
          const stores = await Promise.all(pending.map((e) => ctx.loaders.storeById.load(e.storeId!)));
          await ctx.services.audit.record(ctx, pending.map((e, i) => ({ ...e, companyId: stores[i]?.companyId ?? null })));
        },
      };
    },
  };
}
