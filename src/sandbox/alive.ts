/**
 * The sandbox comes alive (in `npm start` mode): the main user's demo friends write now and then, and reply to what
 * the main user sends them, so a newcomer sees a subscription deliver in GraphiQL within seconds. Tests leave it off
 * and drive arrivals themselves (`addMessage`).
 */
import type { DmEvent } from '../x/wire.js';
import type { SandboxActivity } from './activity.js';
import type { DemoStore } from './store.js';

export interface AliveOptions {
  /** Pause between two messages from a friend. @default 15000 */
  everyMs?: number;
  /** Delay of a reply to the main user's message. @default 3000 */
  replyAfterMs?: number;
  /** How long a friend types before the message arrives. @default 1500, or a quarter of the shorter pause above */
  typingMs?: number;
}

const CHATTER = [
  'Coffee later? ☕',
  'Just pushed the fix, can you take a look?',
  'Ha, that is exactly what I meant 😄',
  'Running 5 minutes late',
  'Did you see the new #release notes?',
  'Sending the slides now',
  'Works on my machine 🤷',
];
const REPLIES = ['Got it, thanks!', 'On it 👍', 'Sounds good', 'Ha! Will do.', 'Let me check and get back to you'];

/** How long a friend types before the message arrives, and how soon a friend reads what the main user sent. */
const TYPING_MS = 1_500;
const READ_AFTER_MS = 1_000;

const pick = <T>(items: readonly T[], random: () => number = Math.random): T =>
  items[Math.floor(random() * items.length)]!;

/**
 * A friend of the main user writes to it at `createdAt`: a line of chatter from another member of one of the main
 * user's conversations, each picked with `random`. Undefined when the main user has no conversation with anyone.
 */
export function friendWrites(
  store: DemoStore,
  mainUserId: string,
  createdAt: Date,
  random: () => number = Math.random,
): DmEvent | undefined {
  const mine = store.data.conversations.filter(
    (c) => c.participantIds.includes(mainUserId) && c.participantIds.length > 1,
  );
  if (mine.length === 0) return undefined;
  const conversation = pick(mine, random);
  const friend = pick(
    conversation.participantIds.filter((id) => id !== mainUserId),
    random,
  );
  return store.addMessage(conversation.id, friend, pick(CHATTER, random), createdAt);
}

/** Starts the chatter; the returned function stops it (and any reply still to come). */
export function comeAlive(
  store: DemoStore,
  activity: SandboxActivity,
  mainUserId: string,
  options: AliveOptions = {},
  clock: () => number = Date.now,
): { readonly onSent: (event: DmEvent) => void; stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  const friendIn = (conversationId: string) => {
    const conversation = store.data.conversations.find((c) => c.id === conversationId);
    const others = conversation?.participantIds.filter((id) => id !== mainUserId) ?? [];
    return others.length > 0 ? pick(others) : undefined;
  };
  // A friend types for a moment before the message arrives (X's dm.indicate_typing, then dm.received).
  const write = (conversationId: string, friend: string, text: string) => {
    activity.typing(conversationId, friend);
    later(typingMs, () => store.addMessage(conversationId, friend, text, new Date(clock())));
  };
  const typingMs =
    options.typingMs ??
    Math.min(TYPING_MS, Math.floor(Math.min(options.everyMs ?? 15_000, options.replyAfterMs ?? 3_000) / 4));
  const chatter = () => {
    const mine = store.data.conversations.filter((c) => c.participantIds.includes(mainUserId));
    const conversation = mine.length > 0 ? pick(mine) : undefined;
    const friend = conversation && friendIn(conversation.id);
    if (conversation && friend) write(conversation.id, friend, pick(CHATTER));
    later(options.everyMs ?? 15_000, chatter);
  };
  later(options.everyMs ?? 15_000, chatter);
  return {
    onSent: (event) => {
      if (event.sender_id !== mainUserId || !event.dm_conversation_id) return;
      const conversationId = event.dm_conversation_id;
      const friend = friendIn(conversationId);
      if (!friend) return;
      // The friend reads it (X's dm.read), then answers.
      later(Math.min(READ_AFTER_MS, typingMs), () => activity.read(conversationId, friend, event.id));
      later(options.replyAfterMs ?? 3_000, () => write(conversationId, friend, pick(REPLIES)));
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
