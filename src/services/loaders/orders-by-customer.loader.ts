import DataLoader from 'dataloader';
import { PageRequest, pageKey } from '../pagination/cursor';

export interface PagedKey {
  parentId: string;
  page: PageRequest;
}

/** Groups keys asking for the same page shape, so each shape costs one batched query. */
export function pagedLoader<E>(load: (parentIds: string[], page: PageRequest) => Promise<Map<string, E[]>>) {
  return new DataLoader<PagedKey, E[], string>(
    async (keys) => {
      const groups = new Map<string, { page: PageRequest; ids: string[] }>();
      for (const k of keys) {
        const g = groups.get(pageKey(k.page)) ?? { page: k.page, ids: [] };
        g.ids.push(k.parentId);
        groups.set(pageKey(k.page), g);
      }
      const results = new Map<string, Map<string, E[]>>();
      for (const [gk, g] of groups) results.set(gk, await load([...new Set(g.ids)], g.page));
      return keys.map((k) => results.get(pageKey(k.page))?.get(k.parentId) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}\u0000${pageKey(k.page)}` },
  );
}
