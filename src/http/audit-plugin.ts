import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import { scrubPersonal } from '../logging';
import { isUnavailable, UNAVAILABLE_MESSAGE } from './format-error';
import { auditedOperationName } from './operation-name';

/**
 * At the end of each request, writes one audit entry per store whose personal data the
 * response carried (see ReadAudit). The entry names the operation, not its arguments, and
 * carries the keyed hashes of every identifier of the people read: their customer IDs,
 * e-mails and visitor IDs (looked up through the request's loaders when the response did not
 * include them: one batched statement per store at most).
 */
export function auditPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, operation, operationName, document, response }) {
          if (!ctx.reads) return;
          try {
            await record();
          } catch (err) {
            // The catalog went away (a cluster node lost mid-request): a read that cannot be
            // audited is not answered. The client gets SERVICE_UNAVAILABLE and retries, instead
            // of an INTERNAL_SERVER_ERROR from Apollo (which drops the cause).
            if (!isUnavailable(err) || response.body.kind !== 'single') throw err;
            ctx.log.warn({ err: scrubPersonal(String(err)) }, 'audit: the read could not be recorded; its data is withheld');
            response.body.singleResult = { errors: [{ message: UNAVAILABLE_MESSAGE, extensions: { code: 'SERVICE_UNAVAILABLE' } }] };
            response.http.status = 503;
          }
          async function record() {
            // Client-chosen: bounded to what the audit column holds (see operation-name.ts).
            const name = auditedOperationName(operationName, operation, document);
            await Promise.all(
              [...ctx.reads.customersRead()].map(async ([storeId, customers]) => {
                try {
                  // Usually primed by the profile fields the response resolved: no statement then.
                  const links = await ctx.loaders.store(storeId).profileLinks.loadMany(customers);
                  for (const l of links) if (l && !(l instanceof Error)) for (const v of l.visitors) ctx.reads.addIdentifiers(storeId, { visitorId: v.id, email: v.email });
                } catch (err) {
                  // The entry is written all the same, with the identifiers the response carried.
                  ctx.log.warn({ storeId, err: scrubPersonal(String(err)) }, 'audit: could not look up the visitor IDs of customers read');
                }
              }),
            );
            const pending = ctx.reads.entries(name, ctx.services.hasher);
            if (pending.length === 0) return;
            const stores = await Promise.all(pending.map((e) => ctx.loaders.storeById.load(e.storeId!)));
            await ctx.services.audit.record(ctx, pending.map((e, i) => ({ ...e, companyId: stores[i]?.companyId ?? null })));
          }
        },
      };
    },
  };
}
