/**
 * One X user's memory as plain data (JSON-serialisable, so any store can keep it): the value the memory works on
 * (`src/memory/`) and the stores keep (`src/store/`), apart from both so that neither imports the other for it.
 * `docs/memory.md` explains the model.
 */
import type { LinkKind } from './x/params.js';
import type { DmEvent, Problem } from './x/wire.js';

/** A contiguous run of a list, newest first, with X's way to continue below it. */
export interface Run {
  /** Event ids, newest first; every event of the list between the head and the floor is here. */
  ids: string[];
  /** The newest id X showed when the head was last checked: events up to it are in the run, or were deleted. */
  headId?: string;
  /** X's `next_token` for the events below the run. */
  next?: string;
  /** X has no events below the run. */
  end: boolean;
  /** When the head was last checked with X (ms since the epoch). */
  syncedAt: number;
  /** The list endpoint `next` belongs to (a conversation is read by id or by participant). */
  path?: string;
}

/** A sync's walk that stopped before it joined the feed: kept, with X's token to go on from. */
export interface PendingRun {
  ids: string[];
  headId: string;
  next: string;
  syncedAt: number;
}

export interface KnownObject {
  value: Record<string, unknown>;
  fields: string[];
  /** When X returned it (ms since the epoch); users and posts are served for `objectTtlMs` after. */
  at?: number;
}

/** An id X answered as not found, with X's problem, and when. */
export interface MissingObject {
  problem: Problem;
  at?: number;
}

export interface UserMemory {
  readonly userId: string;
  events: Record<string, DmEvent>;
  feed?: Run;
  pending?: PendingRun;
  conversations: Record<string, Run>;
  objects: Record<LinkKind, Record<string, KnownObject>>;
  /** Objects X reported missing (a deleted post an event refers to, a user a lookup did not find), by kind and id. */
  missing: Record<LinkKind, Record<string, MissingObject>>;
  /**
   * Messages this user sent through the gateway that no sync has read back yet, newest first: shown on top of their
   * lists at once (read your writes), and replaced by X's own copy when a sync reaches them.
   */
  sent?: string[];
  /**
   * No kept event leaves X's 30-day window before this time (ms since the epoch): a lower bound, so reads skip the
   * walk over every event until then. Absent when not known yet (the next read or write finds it).
   */
  expiresAt?: number;
}

/** X keeps DM events for 30 days; so does the memory. */
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export function emptyMemory(userId: string): UserMemory {
  return {
    userId,
    events: {},
    conversations: {},
    objects: { user: {}, tweet: {}, media: {}, poll: {}, place: {} },
    missing: { user: {}, tweet: {}, media: {}, poll: {}, place: {} },
  };
}
