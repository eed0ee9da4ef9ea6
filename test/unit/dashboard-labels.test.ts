import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

/** The dashboard's labels, as the page loads them: one file per language. */
function labels(): Record<string, Record<string, unknown>> {
  const window: { DashboardLabels?: Record<string, Record<string, unknown>> } = {};
  for (const lang of ['en', 'da']) runInNewContext(readFileSync(join(__dirname, '..', '..', 'public', 'dashboard', `labels-${lang}.js`), 'utf8'), { window });
  return window.DashboardLabels!;
}

/** Every key path of a label tree, with the placeholders each text uses. */
function shape(tree: Record<string, unknown>, prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out[prefix + k] = [...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    else Object.assign(out, shape(v as Record<string, unknown>, `${prefix}${k}.`));
  }
  return out;
}

describe('dashboard labels', () => {
  it('has the same labels, with the same placeholders, in English and Danish', () => {
    const { en, da } = labels();
    expect(shape(da)).toEqual(shape(en));
  });

  it('names the five data types of the seed and every product a store can use', () => {
    const { en } = labels();
    expect(Object.keys(en.dataTypes as object)).toEqual(['browsingHistory', 'purchasePreferences', 'emailAddress', 'orderHistory', 'crm']);
    expect(Object.keys(en.products as object).sort()).toEqual(['*', 'audience', 'chat', 'email', 'recommendations', 'search']);
  });

  it('translates every label: no Danish text is the English one, but for names and codes', () => {
    const { en, da } = labels();
    const same = Object.entries(shape(en)).map(([k]) => k).filter((k) => {
      const get = (t: Record<string, unknown>) => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], t);
      return get(en) === get(da);
    });
    expect(same.sort()).toEqual(['activityPeriod', 'dataLocation', 'engine', 'product', 'playground', 'colStatus', 'products.chat', 'products.email', 'viaProducts'].sort());
  });
});
