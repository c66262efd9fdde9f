/**
 * X's truth at a moment (the sandbox's `visibleEvents`) and the checks of what a client showed against it: the same
 * events, in the same order, for the page shown.
 */
import type { DmEvent } from '../../src/x/wire.js';

/** One check of one answer. */
export interface Check {
  what: string;
  ok: boolean;
  /** The first difference, when not ok. */
  detail?: string;
}

/** An event as a screen shows it. */
export interface ShownEvent {
  restId: string;
  text?: string | null;
  createdAt?: string | null;
  sender?: { username: string } | null;
}

/** A conversation as the inbox shows it. */
export interface ShownConversation {
  conversationId: string;
  kind?: string;
  updatedAt?: string | null;
  lastEvent: ShownEvent | null;
}

/** X ids by value: negative when `a` is older than `b`. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** The page of a list (newest first) right after `afterId` (from its head without one), and whether more follow. */
export function pageOf(
  all: readonly DmEvent[],
  size: number,
  afterId?: string,
): { events: DmEvent[]; hasNextPage: boolean } {
  const rest = afterId === undefined ? [...all] : all.filter((event) => compareIds(event.id, afterId) < 0);
  return { events: rest.slice(0, size), hasNextPage: rest.length > size };
}

/** The inbox X's events make: conversations by newest event, each with that event. */
export function inboxOf(all: readonly DmEvent[], first: number): { conversationId: string; lastEvent: DmEvent }[] {
  const seen = new Set<string>();
  const inbox: { conversationId: string; lastEvent: DmEvent }[] = [];
  for (const event of all) {
    const id = event.dm_conversation_id!;
    if (seen.has(id)) continue;
    seen.add(id);
    inbox.push({ conversationId: id, lastEvent: event });
  }
  return inbox.slice(0, first);
}

/** A shown event against X's, or the first difference. */
function eventDifference(
  shown: ShownEvent | null | undefined,
  expected: DmEvent,
  usernames: ReadonlyMap<string, string>,
): string | undefined {
  if (!shown) return `event ${expected.id} missing`;
  if (shown.restId !== expected.id) return `event ${shown.restId} where X has ${expected.id}`;
  if ((shown.text ?? undefined) !== (expected.text ?? undefined))
    return `event ${expected.id}: text ${JSON.stringify(shown.text)} where X has ${JSON.stringify(expected.text)}`;
  if (shown.createdAt !== undefined && Date.parse(shown.createdAt ?? '') !== Date.parse(expected.created_at ?? '')) {
    return `event ${expected.id}: createdAt ${shown.createdAt} where X has ${expected.created_at}`;
  }
  if (shown.sender !== undefined) {
    const want = expected.sender_id === undefined ? undefined : usernames.get(expected.sender_id);
    if ((shown.sender?.username ?? undefined) !== want)
      return `event ${expected.id}: sender ${shown.sender?.username} where X has ${want}`;
  }
  return undefined;
}

export function checkEvents(
  what: string,
  shown: readonly ShownEvent[],
  expected: readonly DmEvent[],
  usernames: ReadonlyMap<string, string>,
): Check {
  for (let i = 0; i < Math.max(shown.length, expected.length); i++) {
    if (!expected[i]) return { what, ok: false, detail: `shows ${shown.length} events where X has ${expected.length}` };
    const detail = eventDifference(shown[i], expected[i]!, usernames);
    if (detail) return { what, ok: false, detail: `#${i}: ${detail}` };
  }
  return { what, ok: true };
}

export function checkEvent(
  what: string,
  shown: ShownEvent | null | undefined,
  expected: DmEvent | undefined,
  usernames: ReadonlyMap<string, string>,
): Check {
  if (!expected) return { what, ok: false, detail: 'X has no such event' };
  const detail = eventDifference(shown, expected, usernames);
  return detail ? { what, ok: false, detail } : { what, ok: true };
}

export function checkFlag(what: string, shown: boolean, expected: boolean): Check {
  return shown === expected ? { what, ok: true } : { what, ok: false, detail: `${shown} where X says ${expected}` };
}

export function checkInbox(
  what: string,
  shown: readonly ShownConversation[],
  expected: ReturnType<typeof inboxOf>,
  usernames: ReadonlyMap<string, string>,
): Check {
  for (let i = 0; i < Math.max(shown.length, expected.length); i++) {
    const want = expected[i];
    const got = shown[i];
    if (!want || !got)
      return { what, ok: false, detail: `shows ${shown.length} conversations where X has ${expected.length}` };
    if (got.conversationId !== want.conversationId)
      return { what, ok: false, detail: `#${i}: ${got.conversationId} where X has ${want.conversationId}` };
    const kind = want.conversationId.includes('-') ? 'ONE_TO_ONE' : 'GROUP';
    if (got.kind !== undefined && got.kind !== kind)
      return { what, ok: false, detail: `#${i}: kind ${got.kind} where X has ${kind}` };
    if (
      got.updatedAt !== undefined &&
      Date.parse(got.updatedAt ?? '') !== Date.parse(want.lastEvent.created_at ?? '')
    ) {
      return { what, ok: false, detail: `#${i}: updatedAt ${got.updatedAt} where X has ${want.lastEvent.created_at}` };
    }
    const detail = eventDifference(got.lastEvent, want.lastEvent, usernames);
    if (detail) return { what, ok: false, detail: `#${i} (${want.conversationId}) lastEvent: ${detail}` };
  }
  return { what, ok: true };
}
