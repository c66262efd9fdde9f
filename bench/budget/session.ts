/**
 * The one-session replay: one frontend session of a DM app, through the gateway (in process, its memory on) and as a
 * naive client makes it (one X call per screen), against the same sandbox at the same moments of a fake clock. What
 * each client's calls cost is billed from the sandbox's log (`world.ts`), and every gateway answer is checked against
 * X's truth at that moment. Within these minutes X's rate limit is what binds: the DM lookups are the headline.
 */
import type { Bill } from './billing.js';
import { shownOf, type Screens, screensOf } from './screens.js';
import { type Check, type ShownEvent, checkEvent, checkFlag } from './truth.js';
import { type StepResult, type World, openWorld, sumOf } from './world.js';

/** When the session starts: a weekday morning, far from a UTC midnight (the bill is per UTC day). */
export const SESSION_START = new Date('2026-12-01T09:00:00Z');

const REFETCH = /* GraphQL */ `
  query Refetch($id: ID!) {
    node(id: $id) {
      id
      ... on DmEvent {
        restId
        text
        createdAt
        sender {
          username
        }
      }
    }
  }
`;
const EVENT = /* GraphQL */ `
  query Event($eventId: ID!) {
    dmEvent(eventId: $eventId) {
      id
      restId
      text
      createdAt
      sender {
        username
      }
    }
  }
`;

const PAGE_SIZE = 20;
/** A scroll loads 10 more: the demo's busiest conversation (37 events) then has two pages below its first. */
const SCROLL_SIZE = 10;
const POLLS = 5;

/**
 * When each step happens, in seconds from the session's start: a few minutes of a user's time. Steps 2, 3a, 8 and 9
 * are within FRESHNESS_MS (30 s) of the last sync, 3b, 7 and 10 are past it; the message (6) arrives while the memory
 * is already stale, so every answer can be held to X's truth at its moment.
 */
export const TIMELINE = {
  inbox: 0,
  open: 6,
  scroll1: 20,
  scroll2: 45,
  refetch: 60,
  openEvents: 75,
  message: 90,
  inboxAgain: 120,
  openAgain: 125,
  /** Then one poll a second. */
  pollsFrom: 126,
  reopen: 200,
} as const;

export interface SessionResult {
  label: string;
  /** When the session started (the fake clock, ms since the epoch). */
  start: number;
  steps: StepResult[];
  /** What the session cost each client at X, billed as X bills. */
  gateway: Bill;
  naive: Bill;
  /** Whether every gateway answer equalled X's truth at its moment. */
  truthOk: boolean;
}

export interface SessionsResult {
  seed: number;
  freshnessMs: number;
  /** The session on a gateway that has never seen the user. */
  cold: SessionResult;
  /** The same session again 15 minutes later, on the same gateway, the same UTC day: what a returning user costs. */
  warm: SessionResult;
}

export interface SessionOptions {
  /** The sandbox's seed. @default 42 */
  seed?: number;
  /** The gateway's FRESHNESS_MS. @default 30000 */
  freshnessMs?: number;
}

export async function runSessions(options: SessionOptions = {}): Promise<SessionsResult> {
  const seed = options.seed ?? 42;
  const freshnessMs = options.freshnessMs ?? 30_000;
  const world = await openWorld({ seed, freshnessMs, start: SESSION_START });
  try {
    const start = SESSION_START.getTime();
    const cold = await replay(world, 'cold: a gateway that has never seen the user', start);
    const warm = await replay(world, 'warm: the same session 15 minutes later', start + 15 * 60_000);
    return { seed, freshnessMs, cold, warm };
  } finally {
    await world.close();
  }
}

/** One replay of the session, from `start` (ms since the epoch, the fake clock). */
async function replay(world: World, label: string, start: number): Promise<SessionResult> {
  const { sandbox, me, usernames } = world;
  const steps: StepResult[] = [];
  const truth = (conversationId?: string) => sandbox.visibleEvents(me.id, conversationId);
  const screens: Screens = screensOf(world);

  const step = async (
    n: string,
    name: string,
    at: number,
    viaGateway: () => Promise<Check[]>,
    viaNaive: () => Promise<Check[]>,
  ) => {
    world.setClock(start + at * 1000);
    steps.push(await world.step(n, name, viaGateway, viaNaive));
  };

  /** Events the user refetches (3) and opens (2): from the pages shown, the same for both clients. */
  const picks = () => {
    const shown = screens.gatewayShown;
    return {
      refetch: [shown[0]!, shown[PAGE_SIZE]!, shown[PAGE_SIZE + SCROLL_SIZE]!],
      open: [shown[1]!, shown[PAGE_SIZE + 1]!],
    };
  };
  const byId = (id: string) => truth().find((event) => event.id === id);
  const naiveEvents = async (events: readonly ShownEvent[]) => {
    const checks: Check[] = [];
    for (const event of events) {
      const { event: found, users } = await world.naive.event(event.restId);
      checks.push(checkEvent(`event ${event.restId}`, found && shownOf(found, users), byId(event.restId), usernames));
    }
    return checks;
  };

  await step(
    '1',
    'inbox',
    TIMELINE.inbox,
    () => screens.gatewayInbox('inbox'),
    () => screens.naiveInbox('inbox', true),
  );
  screens.conversationId = screens.inboxTop ?? '';
  await step(
    '2',
    'open the conversation',
    TIMELINE.open,
    () => screens.gatewayPage('open', PAGE_SIZE, false),
    () => screens.naivePage('open', PAGE_SIZE, false),
  );
  await step(
    '3a',
    'scroll',
    TIMELINE.scroll1,
    () => screens.gatewayPage('scroll 1', SCROLL_SIZE, true),
    () => screens.naivePage('scroll 1', SCROLL_SIZE, true),
  );
  await step(
    '3b',
    'scroll again',
    TIMELINE.scroll2,
    () => screens.gatewayPage('scroll 2', SCROLL_SIZE, true),
    () => screens.naivePage('scroll 2', SCROLL_SIZE, true),
  );
  await step(
    '4',
    'refetch 3 events by node id',
    TIMELINE.refetch,
    async () => {
      const checks: Check[] = [];
      for (const event of picks().refetch) {
        const globalId = Buffer.from(`DmEvent:${event.restId}`).toString('base64');
        checks.push(checkFlag(`node id of ${event.restId} is base64 of DmEvent:<id>`, event.id === globalId, true));
        const data = await world.ask<{ node: ShownEvent | null }>(REFETCH, { id: globalId });
        checks.push(checkEvent(`node ${event.restId}`, data.node, byId(event.restId), usernames));
      }
      return checks;
    },
    () => naiveEvents(picks().refetch),
  );
  await step(
    '5',
    'open 2 events by id',
    TIMELINE.openEvents,
    async () => {
      const checks: Check[] = [];
      for (const event of picks().open) {
        const data = await world.ask<{ dmEvent: ShownEvent | null }>(EVENT, { eventId: event.restId });
        checks.push(checkEvent(`dmEvent ${event.restId}`, data.dmEvent, byId(event.restId), usernames));
      }
      return checks;
    },
    () => naiveEvents(picks().open),
  );
  // 6. A message arrives in the open conversation, from another participant (its latest sender other than the user).
  const { conversationId } = screens;
  const other = truth(conversationId).find(
    (event) => event.sender_id !== undefined && event.sender_id !== me.id,
  )?.sender_id;
  if (!other) throw new Error(`No other participant in ${conversationId}`);
  let arrivedId = '';
  await step(
    '6',
    'a message arrives (at X)',
    TIMELINE.message,
    () => {
      arrivedId = sandbox.addMessage(conversationId, other, `Are you there? (${label.split(':')[0]})`).id;
      return Promise.resolve([
        checkFlag('the new message is the newest event X shows', truth()[0]?.id === arrivedId, true),
      ]);
    },
    () => Promise.resolve([]),
  );
  await step(
    '7',
    'inbox again',
    TIMELINE.inboxAgain,
    () => screens.gatewayInbox('inbox again'),
    () => screens.naiveInbox('inbox again'),
  );
  await step(
    '8',
    'open the conversation again',
    TIMELINE.openAgain,
    async () => {
      const checks = await screens.gatewayPage('open again', PAGE_SIZE, false);
      checks.push(checkFlag('the new message is on top', screens.gatewayShown[0]?.restId === arrivedId, true));
      return checks;
    },
    () => screens.naivePage('open again', PAGE_SIZE, false),
  );
  for (let i = 0; i < POLLS; i++) {
    await step(
      `9.${i + 1}`,
      `poll ${i + 1}`,
      TIMELINE.pollsFrom + i,
      () => screens.gatewayPage(`poll ${i + 1}`, PAGE_SIZE, false),
      () => screens.naivePage(`poll ${i + 1}`, PAGE_SIZE, false),
    );
  }
  await step(
    '10',
    'reopen the conversation',
    TIMELINE.reopen,
    () => screens.gatewayPage('reopen', PAGE_SIZE, false),
    () => screens.naivePage('reopen', PAGE_SIZE, false),
  );

  return {
    label,
    start,
    steps,
    gateway: sumOf(steps, 'gateway'),
    naive: sumOf(steps, 'naive'),
    truthOk: steps.every((s) => s.checks.every((check) => check.ok)),
  };
}
