'use client';

import { useCallback, useState } from 'react';

/** A newest-first list that keeps at most `limit` items and ignores repeated ids. */
export function useRecent<T extends { id: string }>(limit = 50) {
  const [items, setItems] = useState<T[]>([]);
  const add = useCallback(
    (item: T) => setItems((current) => (current.some((existing) => existing.id === item.id) ? current : [item, ...current].slice(0, limit))),
    [limit],
  );
  const clear = useCallback(() => setItems([]), []);
  return { items, add, clear };
}
