/** The sandbox's public types. `index.ts` re-exports them; see there for the overview. */
import type { DmEvent, Media, Place, Poll, Tweet, User } from '../x/wire.js';

import type { DialectName } from '../x/dialect.js';

export interface SandboxOptions {
  /** Same seed, same data (ids, texts, everything but the timestamps' anchor). @default 42 */
  seed?: number;
  /** The demo data's "now": events fall in the 30 days before it. @default the current time floored to the minute */
  now?: Date;
  /** Bearer token of the main demo user. @default process.env.SANDBOX_TOKEN ?? 'sandbox-token' */
  mainToken?: string;
  /** Per token, one bucket shared by all endpoints. @default 300 per 15 minutes (the seeds' figure) */
  rateLimit?: { limit: number; windowMs: number };
  /** The dialect it speaks: `posts` (X's production spec 2.167) or `tweets` (spec 2.159). @default 'posts' */
  dialect?: DialectName;
  /** Where DM entity arrays go: the spec's top level, or X's newer `entities: {...}`. @default 'top-level' */
  entityShape?: EntityShape;
  /** Accepted for compatibility; the sandbox only answers GETs and reads no bodies. */
  maxBodyBytes?: number;
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
  | { type: 'slow-body'; delayMs?: number };

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

export interface DemoData {
  users: User[];
  /** Newest first, full objects with every field, entity arrays at the top level (the spec's shape). */
  events: DmEvent[];
  tweets: Tweet[];
  media: Media[];
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
  /** The next `times` (default 1) requests get this fault, whatever their path or auth. */
  injectFaults(fault: Fault, times?: number): void;
  clearFaults(): void;
  setEntityShape(shape: EntityShape): void;
  /** Also resets the buckets. */
  setRateLimit(limit: number, windowMs: number): void;
  resetRateLimits(): void;
  /** users[0] is the main user. */
  readonly users: readonly DemoUser[];
  /** Answered with X's 403 unsupported-authentication problem. */
  readonly appOnlyToken: string;
  readonly data: DemoData;
  /** The events `userId` may see, newest first, optionally in one conversation: the expectation for list tests. */
  visibleEvents(userId: string, conversationId?: string): readonly DmEvent[];
}
