/** Points a unit bought is worth against one click: a purchase says more than a click. */
export const PURCHASE_WEIGHT = 3;
export const TOP_PRODUCTS = 10;
export const TOP_CATEGORIES = 5;

export interface PreferenceResult {
  topProducts: { productId: string; score: number }[];
  topCategories: { name: string; score: number }[];
}

/**
 * Purchase preferences from behaviour: each click on a product counts 1, each unit bought
 * counts PURCHASE_WEIGHT; a category scores the sum of its products. Ties break by name so
 * the answer is stable.
 */
export function scorePreferences(
  clicks: ReadonlyMap<string, number>,
  unitsBought: ReadonlyMap<string, number>,
  categoryOf: ReadonlyMap<string, string | null>,
): PreferenceResult {
  const scores = new Map<string, number>();
  for (const [p, n] of clicks) scores.set(p, (scores.get(p) ?? 0) + n);
  for (const [p, n] of unitsBought) scores.set(p, (scores.get(p) ?? 0) + n * PURCHASE_WEIGHT);
  const byScore = <T extends { score: number }>(key: (t: T) => string) => (a: T, b: T) =>
    b.score - a.score || key(a).localeCompare(key(b));
  const products = [...scores].map(([productId, score]) => ({ productId, score })).sort(byScore((p) => p.productId));
  const categories = new Map<string, number>();
  for (const { productId, score } of products) {
    const c = categoryOf.get(productId);
    if (c) categories.set(c, (categories.get(c) ?? 0) + score);
  }
  return {
    topProducts: products.slice(0, TOP_PRODUCTS),
    topCategories: [...categories].map(([name, score]) => ({ name, score })).sort(byScore((c) => c.name)).slice(0, TOP_CATEGORIES),
  };
}
