/** How the user narrowed and ordered a view. Free of `vscode`: unit tests and benchmarks use it. */

export type SortKey = 'name' | 'created' | 'size';

/** A text filter (every word, case-insensitive, applied live) and an order. */
export interface ViewOptions {
  readonly filter: string;
  readonly sort: SortKey;
}

export function matchesFilter(filter: string, ...texts: readonly string[]): boolean {
  if (!filter) return true;
  const haystack = texts.join(' ').toLowerCase();
  return filter.toLowerCase().split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

/** Names in the order people expect (`web-2` before `web-10`); one collator, reused, is fast. */
export const compareNames = new Intl.Collator(undefined, { numeric: true }).compare;

/** Orders by the key; name ascending, created and size descending (newest, largest first). */
export function compareBy<T>(sort: SortKey, name: (t: T) => string, created: (t: T) => number, size: (t: T) => number): (a: T, b: T) => number {
  switch (sort) {
    case 'name': return (a, b) => compareNames(name(a), name(b));
    case 'created': return (a, b) => created(b) - created(a) || compareNames(name(a), name(b));
    case 'size': return (a, b) => size(b) - size(a) || compareNames(name(a), name(b));
  }
}
