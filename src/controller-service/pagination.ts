/**
 * ListVolumes paging. The token names the last volume id returned (not an offset), so
 * volumes created or deleted between pages neither repeat nor vanish from the rest of the list.
 */
import { aborted, invalidArgument } from '../csi/errors.js';

const PREFIX = 'v1:';

export function encodeToken(lastId: string): string {
  return Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');
}

/** The id after which to continue; '' = from the start. A token we did not issue is ABORTED. */
export function decodeToken(token: string): string {
  if (token === '') return '';
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith(PREFIX) || text.length === PREFIX.length) {
    throw aborted(`starting_token "${token}" was not issued by this driver; list again without a token`);
  }
  return text.slice(PREFIX.length);
}

export interface Page<T> {
  items: T[];
  nextToken: string;
}

/** One page of `items` (sorted by id) after the token's id. */
export function paginate<T>(items: readonly T[], idOf: (t: T) => string, startingToken: string, maxEntries: number): Page<T> {
  if (!Number.isInteger(maxEntries) || maxEntries < 0) throw invalidArgument(`max_entries must be ≥ 0, got ${maxEntries}`);
  const after = decodeToken(startingToken);
  const sorted = [...items].sort((a, b) => cmp(idOf(a), idOf(b)));
  const rest = after === '' ? sorted : sorted.filter((t) => cmp(idOf(t), after) > 0);
  if (maxEntries === 0 || rest.length <= maxEntries) return { items: rest, nextToken: '' };
  const page = rest.slice(0, maxEntries);
  return { items: page, nextToken: encodeToken(idOf(page[page.length - 1] as T)) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The same page as `paginate`, over ids already sorted (code-unit order): the index range of
 * the page, found by binary search instead of filtering the whole list.
 */
export function pageRange(sortedIds: readonly string[], startingToken: string, maxEntries: number): { start: number; end: number; nextToken: string } {
  if (!Number.isInteger(maxEntries) || maxEntries < 0) throw invalidArgument(`max_entries must be ≥ 0, got ${maxEntries}`);
  const after = decodeToken(startingToken);
  let start = 0;
  if (after !== '') {
    let hi = sortedIds.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      if (cmp(sortedIds[mid] as string, after) <= 0) start = mid + 1;
      else hi = mid;
    }
  }
  const rest = sortedIds.length - start;
  if (maxEntries === 0 || rest <= maxEntries) return { start, end: sortedIds.length, nextToken: '' };
  const end = start + maxEntries;
  return { start, end, nextToken: encodeToken(sortedIds[end - 1] as string) };
}
