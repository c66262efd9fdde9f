/**
 * What the budget benchmark counts: DM lookups (the four endpoints that share X's 15-per-15-minutes budget) and the
 * DM events their answers carry (what X bills, $0.010 each).
 */

/** X's price of one DM event read (pay-per-use, 2026). */
export const DOLLARS_PER_EVENT = 0.01;

const DM_LOOKUP = [
  /^\/2\/dm_events$/,
  /^\/2\/dm_events\/\d+$/,
  /^\/2\/dm_conversations\/with\/\d+\/dm_events$/,
  /^\/2\/dm_conversations\/[^/]+\/dm_events$/,
];

/** Whether a call is one of X's four DM lookups: a GET of one of their paths (without the query). */
export function isDmLookup(path: string, method = 'GET'): boolean {
  return method === 'GET' && DM_LOOKUP.some((pattern) => pattern.test(path));
}

/** The DM events an answer of a DM lookup carries in `data`: a page's array, or one event. */
export function eventsIn(body: unknown): number {
  const data = (body as { data?: unknown } | null | undefined)?.data;
  if (Array.isArray(data)) return data.length;
  return data && typeof data === 'object' ? 1 : 0;
}

/** Calls and billed events, for one client or one step. */
export interface Tally {
  dmCalls: number;
  events: number;
  /** Other calls to X (`/2/users/me`, users and posts lookups): their own budgets, not billed as DM events. */
  otherCalls: number;
}

export const emptyTally = (): Tally => ({ dmCalls: 0, events: 0, otherCalls: 0 });

export function addTo(tally: Tally, call: { method?: string; path: string; body?: unknown }): void {
  if (!isDmLookup(call.path, call.method)) {
    tally.otherCalls += 1;
    return;
  }
  tally.dmCalls += 1;
  tally.events += eventsIn(call.body);
}
