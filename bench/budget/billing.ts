/**
 * X's bill, made from what X answered (the sandbox's request log with `logAnswers`), the way X bills: each DM event,
 * user and post it returned is billed once per UTC day (pricing docs, "Deduplication": the same resource returned
 * again before midnight UTC is not charged again), sends and deletes per request. Beside the bill, the DM lookups
 * X's rate limit would have refused: the four lookups share 15 requests per 15 minutes per user.
 *
 * @see https://docs.x.com/x-api/getting-started/pricing
 */
import type { RecordedRequest } from '../../src/sandbox/index.js';

/** X's pay-per-use prices (2026), in dollars: per resource returned, and per write request. */
export const PRICES = { dmEvent: 0.01, user: 0.01, post: 0.005, dmSent: 0.015, delete: 0.01 } as const;

/** X's DM lookup limit since January 2026, for every plan: 15 requests per fixed window of 15 minutes, per user. */
export const DM_LOOKUP_LIMIT = { limit: 15, windowMs: 15 * 60_000 } as const;

const DM_LOOKUP = [
  /^\/2\/dm_events$/,
  /^\/2\/dm_events\/\d+$/,
  /^\/2\/dm_conversations\/with\/\d+\/dm_events$/,
  /^\/2\/dm_conversations\/[^/]+\/dm_events$/,
];
const USERS = /^\/2\/users(\/[^/]+)?$/;
const POSTS = /^\/2\/tweets(\/[^/]+)?$/;
const SEND = /^\/2\/dm_conversations(\/with\/\d+|\/[^/]+)?\/messages$|^\/2\/dm_conversations$/;

/** Whether a call is one of X's four DM lookups: a GET of one of their paths (without the query). */
export function isDmLookup(path: string, method = 'GET'): boolean {
  return method === 'GET' && DM_LOOKUP.some((pattern) => pattern.test(path));
}

/** The resources one answer returned, by kind, repeats included. */
export interface Returned {
  dmEvents: string[];
  users: string[];
  posts: string[];
}

/** What a client's calls cost at X, over some span of its calls. */
export interface Bill {
  /** Every call to X. */
  calls: number;
  /** Calls to the four DM lookups (their shared rate limit). */
  dmLookups: number;
  /** DM lookups X's 15 per 15 minutes would have refused (counted, not refused: the sandbox's limit is set high). */
  overLimit: number;
  /** Billed: the resources returned that were not yet billed that UTC day. */
  dmEvents: number;
  users: number;
  posts: number;
  /** Sends and deletes that took effect (billed per request). */
  sends: number;
  deletes: number;
  /** Every resource returned, repeats included: what a bill without X's deduplication would count. */
  returned: { dmEvents: number; users: number; posts: number };
  dollars: number;
}

export const emptyBill = (): Bill => ({
  calls: 0,
  dmLookups: 0,
  overLimit: 0,
  dmEvents: 0,
  users: 0,
  posts: 0,
  sends: 0,
  deletes: 0,
  returned: { dmEvents: 0, users: 0, posts: 0 },
  dollars: 0,
});

/** The dollars of a bill's billed resources and writes. */
export function dollarsOf(bill: Omit<Bill, 'dollars'>): number {
  const cents =
    bill.dmEvents * PRICES.dmEvent * 100 +
    bill.users * PRICES.user * 100 +
    bill.posts * PRICES.post * 100 +
    bill.sends * PRICES.dmSent * 100 +
    bill.deletes * PRICES.delete * 100;
  return Math.round(cents * 10) / 1000;
}

/** The sum of bills. */
export function sumBills(bills: readonly Bill[]): Bill {
  const total = emptyBill();
  for (const bill of bills) addBill(total, bill);
  return total;
}

function addBill(into: Bill, bill: Bill): void {
  into.calls += bill.calls;
  into.dmLookups += bill.dmLookups;
  into.overLimit += bill.overLimit;
  into.dmEvents += bill.dmEvents;
  into.users += bill.users;
  into.posts += bill.posts;
  into.sends += bill.sends;
  into.deletes += bill.deletes;
  into.returned.dmEvents += bill.returned.dmEvents;
  into.returned.users += bill.returned.users;
  into.returned.posts += bill.returned.posts;
  into.dollars = dollarsOf(into);
}

type Json = Record<string, unknown>;

const idsOf = (items: unknown): string[] =>
  (Array.isArray(items) ? items : items && typeof items === 'object' ? [items] : [])
    .map((item) => (item as Json).id)
    .filter((id): id is string => typeof id === 'string');

/**
 * The DM events, users and posts in an answer's body: the lookups' own `data` (a DM page or event, users by id or
 * `/2/users/me`, posts by id) and every user and post in `includes` (`tweets` or `posts`, by dialect).
 */
export function returnedBy(path: string, method: string, body: unknown): Returned {
  const answer = (body ?? {}) as Json;
  const includes = (answer.includes ?? {}) as Json;
  const data = method === 'GET' ? answer.data : undefined;
  return {
    dmEvents: isDmLookup(path, method) ? idsOf(data) : [],
    users: [...(USERS.test(path) ? idsOf(data) : []), ...idsOf(includes.users)],
    posts: [...(POSTS.test(path) ? idsOf(data) : []), ...idsOf(includes.tweets), ...idsOf(includes.posts)],
  };
}

/** The UTC day of a time: X's billing day. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * One client's account at X: feed it the client's calls as the sandbox logged them, in order; it keeps what was
 * already billed each UTC day and where X's rate-limit window stands.
 */
export class XAccount {
  readonly #billed = new Set<string>();
  #window: { start: number; used: number } | undefined;
  readonly total = emptyBill();

  /** Bills `records` (logged with `logAnswers`), adds them to `total`, and returns what they cost. */
  bill(records: readonly RecordedRequest[]): Bill {
    const bill = emptyBill();
    for (const record of records) this.#one(record, bill);
    bill.dollars = dollarsOf(bill);
    addBill(this.total, bill);
    return bill;
  }

  #one(record: RecordedRequest, bill: Bill): void {
    if (record.at === undefined)
      throw new Error(`No time logged for ${record.method} ${record.path}: create the sandbox with logAnswers.`);
    bill.calls += 1;
    if (isDmLookup(record.path, record.method)) {
      bill.dmLookups += 1;
      if (!this.#withinLimit(record.at)) bill.overLimit += 1;
    }
    if (record.status < 200 || record.status >= 300 || record.answer === undefined) return;
    const body: unknown = JSON.parse(record.answer);
    if (record.method === 'POST' && SEND.test(record.path)) bill.sends += 1;
    if (record.method === 'DELETE' && (body as { data?: { deleted?: boolean } }).data?.deleted) bill.deletes += 1;
    const day = utcDay(record.at);
    const returned = returnedBy(record.path, record.method, body);
    for (const kind of ['dmEvents', 'users', 'posts'] as const) {
      for (const id of returned[kind]) {
        bill.returned[kind] += 1;
        const key = `${day}|${kind}|${id}`;
        if (this.#billed.has(key)) continue;
        this.#billed.add(key);
        bill[kind] += 1;
      }
    }
  }

  /** X's fixed window: it starts at the first lookup after the last one ended; a refused lookup spends nothing. */
  #withinLimit(at: number): boolean {
    if (!this.#window || at >= this.#window.start + DM_LOOKUP_LIMIT.windowMs) this.#window = { start: at, used: 0 };
    if (this.#window.used >= DM_LOOKUP_LIMIT.limit) return false;
    this.#window.used += 1;
    return true;
  }
}
