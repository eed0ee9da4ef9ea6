import { StoreEntity, SubProcessorEntity } from '../../entities/catalog';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { needs } from '../dashboard/sub-processor.service';
import { visitorRetention } from '../retention/retention.service';
import { DATA_CATEGORIES, type DataCategory } from './data-categories';
import type { PrivacyReport, StoreReport } from './privacy-report';

/**
 * What GDPR Art. 15(1) asks a controller to tell the person beside the data itself — purposes
 * (a), recipients (c, with Art. 15(2) transfers), retention (d) and source (g) — for one store,
 * from the store's products and settings, the sub-processor registry and the retention rule.
 * The shop is the controller; the platform supplies what it knows as its processor.
 */

/** Why data is processed: one purpose per platform product the store uses, plus keeping the data. */
export interface ProcessingPurpose {
  /** The platform product (`recommendations`, …), or `service` for storing and safeguarding the data. */
  id: string;
  description: string;
  /** The S10 categories this purpose uses, as the store's collection settings allow them. */
  dataCategories: DataCategory[];
  /** Sub-processors serving this purpose (registry IDs). */
  subProcessorIds: string[];
}

export interface VisitorRetentionEntry {
  visitorId: string;
  retentionMonths: number;
  retainedUntil: Date;
}

export interface RetentionInfo {
  /** The rule for visit data, in words, with the store's bounds. */
  rule: string;
  minMonths: number;
  maxMonths: number;
  /** Each of the person's visitor IDs: how long its data is kept, from the rule. */
  visitors: VisitorRetentionEntry[];
  /** How long the customer record and orders are kept. */
  otherData: string;
  /** How long backups may still hold the data. */
  backups: string;
}

export type SourceKind = 'customers' | 'orders' | 'visitors' | 'preferences';

/** Where a kind of record came from (Art. 15(1)(g)); only kinds the report holds are listed. */
export interface ReportSource {
  kind: SourceKind;
  records: number;
  description: string;
}

export interface StoreContent {
  purposes: ProcessingPurpose[];
  recipients: SubProcessorEntity[];
  retention: RetentionInfo;
  sources: ReportSource[];
}

export interface ContentStoreReport extends StoreReport {
  content: StoreContent;
}

export interface FullPrivacyReport extends PrivacyReport {
  stores: ContentStoreReport[];
}

const PRODUCT_PURPOSES: Record<string, { description: string; uses: DataCategory[] }> = {
  recommendations: {
    description: 'Showing you product recommendations on the shop\'s website, chosen from the pages you visited, the content you saw and clicked, and what you bought.',
    uses: ['browsingHistory', 'purchasePreferences', 'orderHistory'],
  },
  search: {
    description: 'Ordering search results on the shop\'s website by what you looked at and bought before.',
    uses: ['browsingHistory', 'purchasePreferences'],
  },
  email: {
    description: 'Sending you personalized e-mails on the shop\'s behalf, with products chosen from your purchase preferences.',
    uses: ['emailAddress', 'purchasePreferences', 'crm'],
  },
  audience: {
    description: 'Building advertising audiences for the shop from scrambled (hashed) e-mail addresses and purchase preferences.',
    uses: ['emailAddress', 'purchasePreferences'],
  },
  chat: {
    description: 'Running the chat on the shop\'s website, which shows the shop\'s staff the pages you visited.',
    uses: ['browsingHistory', 'emailAddress'],
  },
};

const SERVICE_PURPOSE = {
  description: 'Keeping the data for the shop: storing it securely, keeping backups, and answering privacy requests such as this one.',
};

/** What the store's settings let the platform collect at all (S7). */
function collected(store: StoreEntity): Set<DataCategory> {
  const out = new Set<DataCategory>(['orderHistory', 'purchasePreferences']);
  if (store.collectEmails) out.add('emailAddress');
  if (store.collectCrm) out.add('crm');
  if (store.trackPageViews || store.trackContentViews || store.trackClicks) out.add('browsingHistory');
  return out;
}

export function purposesFor(store: StoreEntity, registry: SubProcessorEntity[]): ProcessingPurpose[] {
  const allowed = collected(store);
  const products = [...store.products].sort();
  const out: ProcessingPurpose[] = products
    .filter((p) => PRODUCT_PURPOSES[p])
    .map((p) => ({
      id: p,
      description: PRODUCT_PURPOSES[p].description,
      dataCategories: PRODUCT_PURPOSES[p].uses.filter((c) => allowed.has(c)),
      subProcessorIds: registry.filter((sp) => sp.products.includes(p)).map((sp) => sp.id),
    }));
  out.push({
    id: 'service',
    description: SERVICE_PURPOSE.description,
    dataCategories: DATA_CATEGORIES.filter((c) => allowed.has(c)),
    subProcessorIds: registry.filter((sp) => sp.products.includes('*')).map((sp) => sp.id),
  });
  return out;
}

export function retentionRuleText(store: StoreEntity): string {
  return (
    'Visit data (your visitor IDs and their log) is kept for one month, plus up to six months for how often you came back and up to ' +
    'five months for how long you stayed over the past year: each doubling of the number of days you visited (2, 4, 8, 16, 32, 64) ' +
    'adds a month, and each doubling of the time you spent (5, 10, 20, 40, 80 minutes) adds a month, counted from your last visit. ' +
    `This shop keeps visit data between ${store.retentionMinMonths} and ${store.retentionMaxMonths} months.`
  );
}

const OTHER_DATA =
  'Your customer record and orders are kept while the shop uses the platform, until the shop asks the platform to forget you ' +
  '(then the customer record is deleted and orders are kept without anything that identifies you) or leaves the platform.';
const BACKUPS = 'Encrypted backups may hold the data for up to 30 days after it is deleted; a forget request is applied again if a backup is ever restored.';

const SOURCE_TEXT: Record<SourceKind, string> = {
  customers: 'Your customer record was sent to the platform by the shop, from its own customer systems.',
  orders: 'Your orders were sent to the platform by the shop, from its order system.',
  visitors: 'Your visits were recorded on the shop\'s website by the platform\'s tracking script: pages visited, content the platform showed, and clicks on it.',
  preferences: 'Your purchase preferences were worked out by the platform from your clicks and purchases.',
};

export function sourcesFor(r: StoreReport): ReportSource[] {
  const counts: [SourceKind, number][] = [
    ['customers', r.customers.length],
    ['orders', r.orders.length],
    ['visitors', r.visitors.length],
    ['preferences', r.preferences.filter((p) => p.topProducts.length > 0).length],
  ];
  return counts.filter(([, n]) => n > 0).map(([kind, records]) => ({ kind, records, description: SOURCE_TEXT[kind] }));
}

/** Adds the Art. 15 content to a report whose data has been found: one statement per store with visitors, one for the registry. */
export class ReportContentService {
  constructor(private readonly tenancy: Tenancy) {}

  async complete(ctx: TenancyContext, report: PrivacyReport): Promise<FullPrivacyReport> {
    const registry = await this.tenancy.catalogManager(ctx).getRepository(SubProcessorEntity).find({ order: { id: 'ASC' } });
    const stores: ContentStoreReport[] = [];
    for (const r of report.stores) stores.push({ ...r, content: await this.forStore(ctx, r, registry, report.generatedAt) });
    return { ...report, stores };
  }

  private async forStore(ctx: TenancyContext, r: StoreReport, registry: SubProcessorEntity[], now: Date): Promise<StoreContent> {
    const byVisitor = r.visitors.length ? await visitorRetention(await this.tenancy.storeManager(ctx, r.store.id), r.store, r.visitors, now) : new Map();
    return {
      purposes: purposesFor(r.store, registry),
      recipients: registry.filter((sp) => needs(sp, r.store.products)),
      retention: {
        rule: retentionRuleText(r.store),
        minMonths: r.store.retentionMinMonths,
        maxMonths: r.store.retentionMaxMonths,
        visitors: r.visitors.map((v) => ({ visitorId: v.id, retentionMonths: byVisitor.get(v.id)!.months, retainedUntil: byVisitor.get(v.id)!.retainedUntil })),
        otherData: OTHER_DATA,
        backups: BACKUPS,
      },
      sources: sourcesFor(r),
    };
  }
}
