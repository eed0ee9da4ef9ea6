import { PURCHASE_WEIGHT, scorePreferences } from '../../src/services/profiles/preferences';

const m = (o: Record<string, number>) => new Map(Object.entries(o));

describe('purchase preferences', () => {
  it.each([
    ['no behaviour', {}, {}, [], []],
    ['clicks only', { p1: 2, p2: 5 }, {}, [['p2', 5], ['p1', 2]], [['Tents', 7]]],
    ['a purchase outweighs a click', { p1: 2 }, { p2: 1 }, [['p2', PURCHASE_WEIGHT], ['p1', 2]], [['Tents', 2 + PURCHASE_WEIGHT]]],
    ['clicks and purchases add up', { p3: 1 }, { p3: 2 }, [['p3', 1 + 2 * PURCHASE_WEIGHT]], [['Boots', 1 + 2 * PURCHASE_WEIGHT]]],
  ])('%s', (_name, clicks, bought, products, categories) => {
    const categoryOf = new Map<string, string | null>([['p1', 'Tents'], ['p2', 'Tents'], ['p3', 'Boots']]);
    const r = scorePreferences(m(clicks), m(bought), categoryOf);
    expect(r.topProducts.map((p) => [p.productId, p.score])).toEqual(products);
    expect(r.topCategories.map((c) => [c.name, c.score])).toEqual(categories);
  });

  it('keeps the ten strongest products, ties broken by ID', () => {
    const clicks = m(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`p${String(i).padStart(2, '0')}`, 1])));
    expect(scorePreferences(clicks, new Map(), new Map()).topProducts.map((p) => p.productId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}`),
    );
  });
});
