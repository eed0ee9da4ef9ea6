import type { CompanyEntity, ForgetRequestEntity, StoreEntity, SubProcessorEntity } from '../../entities/catalog';
import type { ForgetOutcome } from '../../services/privacy/forget.service';
import { ForgetRequest, ForgetStatus } from './privacy.type';
import type { CustomerEntity, OrderEntity, OrderLineEntity, VisitEventEntity, VisitorEntity } from '../../entities/store';
import { Company } from './company.type';
import { Customer } from './customer.type';
import { SubProcessor } from './sub-processor.type';
import { Order, OrderLine } from './order.type';
import { EventTypeEnum } from './scalars';
import { centsToDecimal, decimalToCents } from '../../services/stats/money';
import { Store, StoreSettings } from './store.type';
import { VisitEvent, Visitor } from './visitor.type';

/** Entities become GraphQL objects here; personal values move to fields that are scope-checked. */
export const toCompany = (e: CompanyEntity): Company => Object.assign(new Company(), { id: e.id, name: e.name, createdAt: e.createdAt });

export const toStore = (e: StoreEntity): Store =>
  Object.assign(new Store(), {
    id: e.id,
    companyId: e.companyId,
    name: e.name,
    server: e.server,
    createdAt: e.createdAt,
    settings: Object.assign(new StoreSettings(), {
      collectEmails: e.collectEmails,
      trackPageViews: e.trackPageViews,
      trackContentViews: e.trackContentViews,
      trackClicks: e.trackClicks,
      collectCrm: e.collectCrm,
      products: e.products,
      retentionMinMonths: e.retentionMinMonths,
      retentionMaxMonths: e.retentionMaxMonths,
      webhookUrl: e.webhookUrl ?? null,
      shopifyDomain: e.shopifyDomain ?? null,
    }),
  });

export const toCustomer = (storeId: string, e: CustomerEntity): Customer =>
  Object.assign(new Customer(), {
    storeId,
    id: e.id,
    emailValue: e.email,
    nameValue: e.name,
    crmValue: { age: e.age, gender: e.gender, city: e.city, attributes: e.attributes },
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  });

export const toOrder = (storeId: string, e: OrderEntity): Order =>
  Object.assign(new Order(), {
    storeId,
    customerId: e.customerId,
    emailValue: e.email,
    id: e.id,
    createdAt: e.createdAt,
    total: e.total,
    totalAmount: centsToDecimal(decimalToCents(e.total)),
    currency: e.currency,
    anonymized: e.anonymized,
  });

export const toOrderLine = (storeId: string, e: OrderLineEntity): OrderLine =>
  Object.assign(new OrderLine(), { storeId, productId: e.productId, quantity: e.quantity, unitPrice: e.unitPrice });

export const toVisitor = (storeId: string, e: VisitorEntity): Visitor =>
  Object.assign(new Visitor(), { storeId, customerId: e.customerId, id: e.id, firstSeenAt: e.firstSeenAt, lastSeenAt: e.lastSeenAt });

export const toEvent = (e: VisitEventEntity): VisitEvent =>
  Object.assign(new VisitEvent(), {
    type: e.type as EventTypeEnum,
    url: e.url,
    productId: e.productId,
    contentId: e.contentId,
    occurredAt: e.occurredAt,
    durationSeconds: e.durationSeconds,
  });

export const toSubProcessor = (e: SubProcessorEntity): SubProcessor => Object.assign(new SubProcessor(), e);

/** A ledger row (or a forget's outcome) as the API shows it: never the requesting key; the subject hash only for the receipt. */
export const toForgetRequest = (r: ForgetOutcome | ForgetRequestEntity): ForgetRequest =>
  Object.assign(new ForgetRequest(), {
    storeId: r.storeId,
    id: r.id,
    status: r.status as ForgetStatus,
    requestedAt: r.requestedAt,
    completedAt: r.completedAt,
    backupsClearBy: r.backupsClearBy,
    customersDeleted: r.customersDeleted,
    ordersAnonymized: r.ordersAnonymized,
    visitorsDeleted: r.visitorsDeleted,
    eventsDeleted: r.eventsDeleted,
    alreadyForgotten: r.alreadyForgotten,
    failure: r.failure,
    found: r.found,
    reference: r.reference,
    subjectHash: r.subjectHash,
  });
