import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { metricsOperationLabel } from './operation-name';

/** Prometheus metrics, one registry per gateway (tests run several in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'pgw_graphql_requests_total', help: 'GraphQL requests by root field (multiple: several; invalid: no operation ran) and outcome', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'pgw_graphql_request_duration_seconds',
    help: 'GraphQL request latency by root field and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly forgets = new Counter({ name: 'pgw_forget_requests_total', help: 'Forget requests by store outcome', labelNames: ['status'], registers: [this.registry] });
  readonly purges = new Counter({ name: 'pgw_purge_deleted_total', help: 'Rows deleted by retention purges', labelNames: ['kind'], registers: [this.registry] });
  readonly storeOpens = new Counter({ name: 'pgw_store_database_opens_total', help: 'Store databases opened (a high rate means MAX_OPEN_STORES is too small)', registers: [this.registry] });

  constructor(openStores: () => number, poolWaiting: () => number) {
    new Gauge({ name: 'pgw_open_store_databases', help: 'Store databases open now', registers: [this.registry], collect() { this.set(openStores()); } });
    new Gauge({ name: 'pgw_db_pool_waiting', help: 'Requests waiting for a database connection now', registers: [this.registry], collect() { this.set(poolWaiting()); } });
    collectDefaultMetrics({ register: this.registry, prefix: 'pgw_' });
  }

  /** Reads nothing from the request context, so it serves any Apollo server. */
  plugin(): ApolloServerPlugin<BaseContext> {
    const metrics = this;
    return {
      async requestDidStart() {
        const end = metrics.latency.startTimer();
        return {
          async willSendResponse({ operation, document, response }) {
            const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
            const outcome = errors.length === 0 ? 'ok' : String(errors[0].extensions?.code ?? 'error');
            // Never the client's operation name: the label set stays bounded by the schema.
            const op = metricsOperationLabel(operation, document);
            metrics.requests.inc({ operation: op, outcome });
            end({ operation: op, outcome });
          },
        };
      },
    };
  }
}
