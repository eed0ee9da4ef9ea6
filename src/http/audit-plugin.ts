import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { auditedOperationName } from './operation-name';

/**
 * At the end of each request, writes one audit entry per store whose personal data the
 * response carried (see ReadAudit). The entry names the operation, not its arguments.
 */
export function auditPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, operation, operationName, document }) {
          if (!ctx.reads) return;
          // Client-chosen: bounded to what the audit column holds (see operation-name.ts).
          const name = auditedOperationName(operationName, operation, document);
          const pending = ctx.reads.entries(name);
          if (pending.length === 0) return;
          const stores = await Promise.all(pending.map((e) => ctx.loaders.storeById.load(e.storeId!)));
          await ctx.services.audit.record(ctx, pending.map((e, i) => ({ ...e, companyId: stores[i]?.companyId ?? null })));
        },
      };
    },
  };
}
