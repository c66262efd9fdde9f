/** The sandbox's public types. `index.ts` re-exports them; see there for the overview. */
import type { DialectName } from './speech.js';
import type { AliveOptions } from './alive.js';
import type { SandboxActivity, SandboxActivityOptions } from './activity.js';
import type { EndpointFamily } from '../x/families.js';
import type { components as Spec2167 } from '../x/generated/x-api-2.167.js';
import type { DmEvent, Media, Place, Poll, Tweet, User } from '../x/wire.js';

/** A rate-limit budget: `limit` requests per fixed window of `windowMs`, per token. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface SandboxOptions {
  /** X's Activity API: its caps, keep-alive pace and consumer secret. @default see `SandboxActivityOptions` */
  activity?: SandboxActivityOptions;
  /** Same seed, same data (ids, texts, everything but the timestamps' anchor). @default 42 */
  seed?: number;
  /** How many demo users (12 to 1001); other counts give other data for the same seed. @default 24 */
  users?: number;
  /** The demo data's "now": events fall in the 30 days before it. @default the current time floored to the minute */
  now?: Date;
  /** Bearer token of the main demo user. @default process.env.SANDBOX_TOKEN ?? 'sandbox-token' */
  mainToken?: string;
  /**
   * The budget of every endpoint family (`familyOf` in `src/x/families.ts`): each token has one bucket per family.
   * @default 300 per 15 minutes (the seeds' figure)
   */
  rateLimit?: RateLimit;
  /** Budgets of single families, over `rateLimit`: `{ 'dm-read': { limit: 15, windowMs: 900_000 } }`. */
  rateLimits?: Partial<Record<EndpointFamily, RateLimit>>;
  /**
   * Demo friends write to the main user now and then and reply to what it sends (`npm start`); tests leave it off.
   * @default false
   */
  alive?: boolean | AliveOptions;
  /** The dialect it speaks: `posts` (X's production spec 2.167) or `tweets` (spec 2.159). @default 'posts' */
  dialect?: DialectName;
  /**
   * Where DM entity arrays go: 2.159's top level, or `entities: {...}` as X's docs and spec 2.167 have it.
   * @default 'nested' in the posts dialect, 'top-level' in the tweets dialect (each as its spec says)
   */
  entityShape?: EntityShape;
  /** The largest request body the manage endpoints read; a larger one is X's bare 413. @default 1 MiB */
  maxBodyBytes?: number;
  /**
   * The sandbox's clock (milliseconds since the epoch): rate-limit windows, the `created_at` of new messages, and X's
   * 30-day window, out of which events leave every lookup. Replays in fake time pass the clock the gateway reads
   * (`createGateway({ now })`), so both cross UTC midnights together. Without it, rate limits and new messages follow
   * the real time and the window stays the one ending at `now` (the demo data never ages).
   * @default Date.now, the window fixed at `now`
   */
  clock?: () => number;
  /**
   * Keeps each answer's JSON text and the sandbox's time it was sent at in the request log (`answer`, `at`): what a
   * bill is made from. Off by default: a load test's log would hold every page.
   * @default false
   */
  logAnswers?: boolean;
}

export type EntityShape = 'top-level' | 'nested';

export type Fault =
  | { type: 'status'; status: 429 | 500 | 502 | 503 | 504 }
  | { type: 'hang' }
  | { type: 'reset' }
  | { type: 'invalid-json' }
  | { type: 'html' }
  | { type: 'empty' }
  | { type: 'oversized'; bytes?: number }
  | { type: 'slow-body'; delayMs?: number }
  /**
   * Fails a write after doing it: the next write that takes effect (a send's 201, a delete's 200) is done, then
   * answered with `then` (a bare status problem, a reset socket, or no answer). Proves a client never sends twice.
   * Kept in a queue of its own: reads, refused writes and the other faults neither consume nor delay it.
   */
  | { type: 'after-write'; then: AfterWriteFailure };

/** How an `after-write` fault answers a write it let happen. */
export type AfterWriteFailure = 500 | 502 | 503 | 504 | 'reset' | 'hang';

export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** Raw query parameters (the last value when one is repeated). */
  query: Record<string, string>;
  /** The raw header, for tests in the same process only. */
  authorization: string | undefined;
  /** The status answered; 0 when there was no answer (hang, reset). */
  status: number;
  /** The raw body, for requests whose body the sandbox read (the POSTs that got past auth and rate limit). */
  body?: string;
  /** The answer's JSON text as sent (`logAnswers`); absent when the sandbox answered with a fault. */
  answer?: string;
  /** The sandbox's clock when the answer was sent, in milliseconds (`logAnswers`). */
  at?: number;
}

export interface DemoUser {
  id: string;
  username: string;
  name: string;
  token: string;
}

export interface DemoConversation {
  id: string;
  /** Members at "now". A group member sees it from their join on; someone who left sees none of it. */
  participantIds: string[];
  group: boolean;
}

/**
 * A demo user with every field of both specs, in the gateway's names (the tweets dialect's, which `src/x/wire.ts`
 * types): 2.167 adds `subscribes_to_you` at the top level, the same fact as 2.159's `subscription.subscribes_to_you`.
 */
export type StoredUser = User & Pick<Spec2167['schemas']['User'], 'subscribes_to_you'>;

/** A demo post with every field of both specs, in the gateway's names; 2.167 adds these four. */
export type StoredTweet = Tweet &
  Pick<Spec2167['schemas']['Post'], 'matched_media_notes' | 'note_request_suggestions' | 'paid_partnership'> & {
    /** 2.167 types it as an object without properties; the sandbox says which article, as X's docs describe it. */
    article_title?: { title: string };
  };

/** The data as it is now: sends, new conversations, uploads' media and deletes change it in place. */
export interface DemoData {
  users: StoredUser[];
  /**
   * Newest first, full objects with every field, entity arrays at the top level (2.159's shape). New messages
   * (`addMessage`, the manage endpoints) go first; deleted events leave it.
   */
  events: DmEvent[];
  tweets: StoredTweet[];
  /** With the photos made for attachments' media ids (`3_<media_id>`), at the end. */
  media: Media[];
  /** With the conversations the manage endpoints opened (a first one-to-one message, a new group), at the end. */
  conversations: DemoConversation[];
  /** Referenced by one event the main user sees, but not a demo tweet: its expansion is a partial error. */
  missingTweetId: string;
  /** Attached to every demo tweet (`attachments.poll_ids`). */
  polls: Poll[];
  /** Tagged on every demo tweet (`geo.place_id`). */
  places: Place[];
}

export interface Sandbox {
  /** Resolves to the base URL, e.g. `http://127.0.0.1:43123`. @default port 0 (random), host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<string>;
  /** The base URL once listening; throws before. */
  readonly url: string;
  /** Closes the server and destroys open and hanging sockets. */
  close(): Promise<void>;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /**
   * The next `times` (default 1) requests get this fault, whatever their path or auth; with `after`, only once that
   * many requests have been answered as usual (a walk that fails on its second page). An `after-write` fault counts
   * writes that take effect instead of requests: it fails the next `times` of them after `after` of them.
   */
  injectFaults(fault: Fault, times?: number, after?: number): void;
  clearFaults(): void;
  setEntityShape(shape: EntityShape): void;
  /** The budget of `family`, or of every family when none is given; also empties the buckets it changes. */
  setRateLimit(limit: number, windowMs: number, family?: EndpointFamily): void;
  /** Empties the buckets of `family`, or every bucket. */
  resetRateLimits(family?: EndpointFamily): void;
  /** X's Activity API: its subscriptions, streams and webhooks, and events to emit (typing, read receipts, revokes). */
  readonly activity: SandboxActivity;
  /** The dialect it speaks (`createSandbox({ dialect })`, `SANDBOX_DIALECT`). */
  readonly dialect: DialectName;
  /** users[0] is the main user. */
  readonly users: readonly DemoUser[];
  /** Answered with X's 403 unsupported-authentication problem. */
  readonly appOnlyToken: string;
  readonly data: DemoData;
  /** The events `userId` may see, newest first, optionally in one conversation: the expectation for list tests. */
  visibleEvents(userId: string, conversationId?: string): readonly DmEvent[];
  /**
   * A new message from `senderId` in `conversationId`, newer than every event, created now: an arrival "at X" (not
   * a write through the API: not in `sent`).
   */
  addMessage(conversationId: string, senderId: string, text: string): DmEvent;
  /**
   * One of the main user's demo friends writes to it now, as they do every few seconds in an alive sandbox: a line of
   * chatter from another member of one of the main user's conversations. `random` (0 to 1, like `Math.random`) picks
   * the conversation, the friend and the line; the same sequence gives the same messages.
   */
  friendWrites(random?: () => number): DmEvent;
  /** Deletes an event at X, for everyone who saw it. True when it existed. (Not in `deleted`.) */
  deleteEvent(eventId: string): boolean;
  /**
   * The events created by the manage endpoints' POSTs, in order, as created: one per send that took effect, whether
   * its answer reached the client or an `after-write` fault failed it (and still listed once deleted). Count them to
   * prove a client never sends twice.
   */
  readonly sent: readonly DmEvent[];
  /** The events removed by `DELETE /2/dm_events/{event_id}`, in order, as they were. */
  readonly deleted: readonly DmEvent[];
  /** Empties `sent` and `deleted` (the events stay as they are). */
  clearWrites(): void;
}
