import type { StoreEntity, SubProcessorEntity } from '../../src/entities/catalog';
import { purposesFor, retentionRuleText } from '../../src/services/privacy/report-content.service';
import { escapeHtml } from '../../src/services/privacy/report-html';

const store = (over: Partial<StoreEntity>): StoreEntity =>
  ({
    id: 's', name: 'S', products: ['recommendations', 'search'], collectEmails: false, collectCrm: true,
    trackPageViews: true, trackContentViews: true, trackClicks: true, retentionMinMonths: 1, retentionMaxMonths: 12, ...over,
  }) as StoreEntity;

const registry = [
  { id: 'backup', products: ['*'] },
  { id: 'email-delivery', products: ['email'] },
  { id: 'hosting', products: ['*'] },
] as SubProcessorEntity[];

describe('Art. 15 content of the report', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    [`"double" & 'single'`, '&quot;double&quot; &amp; &#39;single&#39;'],
    ['&amp; already', '&amp;amp; already'],
    ['Bøger — ünïcode ✓', 'Bøger — ünïcode ✓'],
    ['', ''],
  ])('escapes %j for HTML text and attributes', (raw, escaped) => {
    expect(escapeHtml(raw)).toBe(escaped);
  });

  it.each([
    ['defaults: no e-mail collected', {}, [
      ['recommendations', ['browsingHistory', 'purchasePreferences', 'orderHistory'], []],
      ['search', ['browsingHistory', 'purchasePreferences'], []],
      ['service', ['crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'], ['backup', 'hosting']],
    ]],
    ['e-mail product with e-mails collected, CRM and all tracking off', { products: ['email'], collectEmails: true, collectCrm: false, trackPageViews: false, trackContentViews: false, trackClicks: false }, [
      ['email', ['emailAddress', 'purchasePreferences'], ['email-delivery']],
      ['service', ['emailAddress', 'orderHistory', 'purchasePreferences'], ['backup', 'hosting']],
    ]],
    ['clicks alone still make browsing history', { products: ['search'], trackPageViews: false, trackContentViews: false }, [
      ['search', ['browsingHistory', 'purchasePreferences'], []],
      ['service', ['crm', 'orderHistory', 'browsingHistory', 'purchasePreferences'], ['backup', 'hosting']],
    ]],
  ])('states the purposes of a store (%s)', (_name, over, expected) => {
    expect(purposesFor(store(over as Partial<StoreEntity>), registry).map((p) => [p.id, p.dataCategories, p.subProcessorIds])).toEqual(expected);
  });

  it('words the retention rule with the store\'s own bounds', () => {
    expect(retentionRuleText(store({ retentionMinMonths: 2, retentionMaxMonths: 6 }))).toMatch(/This shop keeps visit data between 2 and 6 months\.$/);
  });
});
