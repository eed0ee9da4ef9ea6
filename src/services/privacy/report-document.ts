import type { FullPrivacyReport } from './report-content.service';

/** The document format; @2 added the Art. 15 content (purposes, recipients, retention, sources), keeping every key of @1. */
export const REPORT_FORMAT = 'privacy-gateway/data-access-report@2';

/** The whole report as one machine-readable document (the `json` field; GDPR Art. 15 and 20). */
export function reportDocument(report: FullPrivacyReport): Record<string, unknown> {
  return {
    format: REPORT_FORMAT,
    generatedAt: report.generatedAt.toISOString(),
    stores: report.stores.map((s) => {
      const retention = new Map(s.content.retention.visitors.map((v) => [v.visitorId, v]));
      return {
        store: { id: s.store.id, name: s.store.name },
        dataCategories: s.dataCategories,
        customers: s.customers.map((c, i) => ({
          id: c.id, email: c.email, name: c.name,
          crm: { age: c.age, gender: c.gender, city: c.city, attributes: c.attributes },
          createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString(),
          preferences: s.preferences[i] ?? null,
        })),
        orders: s.orders.map((o) => ({
          id: o.id, createdAt: o.createdAt.toISOString(), email: o.email, customerId: o.customerId, visitorId: o.visitorId,
          currency: o.currency, total: o.total,
          lines: s.lines.filter((l) => l.orderId === o.id).map((l) => ({ productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })),
        })),
        visitors: s.visitors.map((v) => ({
          id: v.id, customerId: v.customerId, email: v.email, firstSeenAt: v.firstSeenAt.toISOString(), lastSeenAt: v.lastSeenAt.toISOString(),
          retentionMonths: retention.get(v.id)?.retentionMonths ?? null,
          retainedUntil: retention.get(v.id)?.retainedUntil.toISOString() ?? null,
          events: s.events.filter((e) => e.visitorId === v.id).map((e) => ({
            type: e.type, url: e.url, productId: e.productId, contentId: e.contentId, occurredAt: e.occurredAt.toISOString(), durationSeconds: e.durationSeconds,
          })),
        })),
        purposes: s.content.purposes.map((p) => ({ id: p.id, description: p.description, dataCategories: p.dataCategories, subProcessorIds: p.subProcessorIds })),
        recipients: s.content.recipients.map((r) => ({
          id: r.id, name: r.name, legalEntity: r.legalEntity, purpose: r.purpose, country: r.country, location: r.location,
          inEea: r.inEea, transferMechanism: r.transferMechanism, dataCategories: r.dataCategories,
        })),
        retention: {
          rule: s.content.retention.rule,
          minMonths: s.content.retention.minMonths,
          maxMonths: s.content.retention.maxMonths,
          otherData: s.content.retention.otherData,
          backups: s.content.retention.backups,
        },
        sources: s.content.sources.map((x) => ({ kind: x.kind, records: x.records, description: x.description })),
      };
    }),
  };
}
