import { In } from 'typeorm';
import { OrderLineEntity, VisitEventEntity } from '../../entities/store';
import type { Tenancy } from '../../tenancy/tenancy';
import type { AuditService } from '../audit/audit.service';
import { createPreferencesByCustomerLoader } from '../loaders/preferences-by-customer.loader';
import type { PreferenceResult } from '../profiles/preferences';
import { parsePerson } from '../subject/subject-input';
import { findFootprint } from './footprint';
import type { DataCategory } from './data-categories';
import type { StoreReport } from './privacy-report';
import type { FullPrivacyReport, ReportContentService } from './report-content.service';
import type { SubjectHasher } from '../subject/subject-hasher';
import type { ForgetContext, PersonInput } from './forget.service';
import { subjectsOf } from './forget.service';

/**
 * The data-access report (S3; GDPR Art. 15 and 20): everything held about one person in each
 * store the key reaches, found the same way a forget finds it. Nobody found is an empty report.
 */
export class ReportService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
    private readonly audit: AuditService,
    private readonly content: ReportContentService,
  ) {}

  async report(ctx: ForgetContext, person: PersonInput, storeId?: string | null): Promise<FullPrivacyReport> {
    const subject = parsePerson(person);
    const stores = await this.tenancy.storesInScope(ctx, storeId);
    const reports: StoreReport[] = [];
    for (const store of stores) {
      const em = await this.tenancy.storeManager(ctx, store.id);
      const f = await findFootprint(em, subject);
      const visitorIds = f.visitors.map((v) => v.id);
      const orderIds = f.orders.map((o) => o.id);
      const events = visitorIds.length ? await em.find(VisitEventEntity, { where: { visitorId: In(visitorIds) }, order: { occurredAt: 'ASC', id: 'ASC' } }) : [];
      const lines = orderIds.length ? await em.find(OrderLineEntity, { where: { orderId: In(orderIds) }, order: { id: 'ASC' } }) : [];
      const preferences = f.customers.length ? await createPreferencesByCustomerLoader(async () => em).loadMany(f.customers.map((c) => c.id)) : [];
      const r: StoreReport = {
        store,
        customers: f.customers,
        orders: f.orders,
        lines,
        visitors: f.visitors,
        events,
        preferences: preferences.filter((p): p is PreferenceResult => !(p instanceof Error)),
        dataCategories: [],
      };
      r.dataCategories = categories(r);
      reports.push(r);
      ctx.reads?.cover(store.id);
      await this.audit.record(ctx, [{
        operation: 'privacyReport', storeId: store.id, companyId: store.companyId,
        subjectHash: this.hasher.subject(store.id, subject),
        records: f.customers.length + f.orders.length + f.visitors.length + events.length,
        subjects: subjectsOf(f),
      }]);
    }
    return this.content.complete(ctx, { generatedAt: new Date(), stores: reports });
  }
}

function categories(r: StoreReport): DataCategory[] {
  const out: DataCategory[] = [];
  if (r.customers.some((c) => c.email) || r.orders.some((o) => o.email) || r.visitors.some((v) => v.email)) out.push('emailAddress');
  if (r.customers.some((c) => c.name || c.age !== null || c.gender || c.city || c.attributes)) out.push('crm');
  if (r.orders.length) out.push('orderHistory');
  if (r.visitors.length) out.push('browsingHistory');
  if (r.preferences.some((p) => p.topProducts.length)) out.push('purchasePreferences');
  return out;
}
