/**
 * The budget benchmark: one frontend session of a DM app, replayed through the gateway (in process, its memory on,
 * a fake clock) and as a naive client makes it (one X call per screen), against the same sandbox at the same
 * moments. Each step runs the gateway's screen, then the naive client's; the sandbox's request log and the answers'
 * bodies say what each cost, and every gateway answer is checked against X's truth at that moment.
 */
import { pino } from 'pino';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import type { DmEvent, User } from '../../src/x/wire.js';
import { type Tally, emptyTally, isDmLookup } from './dm.js';
import { NaiveClient, type NaivePage } from './naive.js';
import { RecordingTransport } from './recording.js';
import { type Check, type ShownConversation, type ShownEvent, checkEvent, checkEvents, checkFlag, checkInbox, inboxOf, pageOf } from './truth.js';

export const TARGETS = { calls: 0.4, events: 0.3 } as const;

/** The session's screens, as a DM app sends them. */
const INBOX = /* GraphQL */ `
  query Inbox {
    dmConversations(first: 20) {
      nodes { conversationId kind updatedAt lastEvent { restId text sender { username } } }
    }
  }`;
const CONVERSATION = /* GraphQL */ `
  query Conversation($conversationId: ID!, $first: Int!, $after: String) {
    dmConversation(conversationId: $conversationId) {
      events(first: $first, after: $after) {
        nodes { id restId text createdAt sender { username } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;
const REFETCH = /* GraphQL */ `
  query Refetch($id: ID!) {
    node(id: $id) { id ... on DmEvent { restId text createdAt sender { username } } }
  }`;
const EVENT = /* GraphQL */ `
  query Event($eventId: ID!) {
    dmEvent(eventId: $eventId) { id restId text createdAt sender { username } }
  }`;

const INBOX_SIZE = 20;
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

export interface StepResult {
  n: string;
  name: string;
  /** Seconds since the session's start. */
  at: number;
  gateway: Tally;
  naive: Tally;
  /** The gateway's answers against X's truth. */
  checks: Check[];
  /** The naive client's answers against X's truth (for information: a page of 100 events may not hold the inbox). */
  naiveChecks: Check[];
  /** DM lookups the sandbox logged during each client's turn (a cross-check of the counts above). */
  logged: { gateway: number; naive: number };
  /** The DM lookups the gateway made, as the sandbox logged them: `path?max_results=N` (`+token` when continued). */
  asked: string[];
}

export interface SessionResult {
  label: string;
  steps: StepResult[];
  gateway: Tally;
  naive: Tally;
  ratios: { calls: number; events: number };
  met: { calls: boolean; events: boolean };
  truthOk: boolean;
}

export interface BudgetResult {
  seed: number;
  freshnessMs: number;
  /** The session on a gateway that has never seen the user: the one the targets are for. */
  cold: SessionResult;
  /** The same session again 15 minutes later, on the same gateway: what a returning user costs. */
  warm: SessionResult;
}

export interface BudgetOptions {
  seed?: number;
  freshnessMs?: number;
}

interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string }[];
}

/** Everything a step needs. */
interface Context {
  sandbox: Sandbox;
  gateway: Gateway;
  transport: RecordingTransport;
  naive: NaiveClient;
  me: DemoMe;
  usernames: Map<string, string>;
  setClock(ms: number): void;
}

interface DemoMe {
  id: string;
  token: string;
}

export async function runBudget(options: BudgetOptions = {}): Promise<BudgetResult> {
  const seed = options.seed ?? 42;
  const freshnessMs = options.freshnessMs ?? 30_000;
  // A budget no session reaches: the counts are the point, not X's refusals (at X's real 15 per 15 minutes, the naive
  // session would be refused from its 16th call).
  const sandbox = createSandbox({ seed, rateLimit: { limit: 100_000, windowMs: 900_000 } });
  const url = await sandbox.listen(0, '127.0.0.1');
  const transport = new RecordingTransport(url);
  let clock = Date.now();
  const gateway = createGateway({
    upstream: transport,
    store: 'memory',
    freshnessMs,
    now: () => clock,
    cursorSecret: 'budget-bench',
    logger: pino({ level: 'warn' }),
  });
  const me = sandbox.users[0]!;
  const context: Context = {
    sandbox,
    gateway,
    transport,
    naive: new NaiveClient(url, me.token),
    me: { id: me.id, token: me.token },
    usernames: new Map(sandbox.data.users.map((user) => [user.id, user.username])),
    setClock: (ms) => {
      clock = ms;
    },
  };
  try {
    const start = clock;
    const cold = await replay(context, 'cold: a gateway that has never seen the user', start);
    const warm = await replay(context, 'warm: the same session 15 minutes later', start + 15 * 60_000);
    return { seed, freshnessMs, cold, warm };
  } finally {
    await gateway.close();
    await transport.close();
    await sandbox.close();
  }
}

async function ask<T>(context: Context, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await context.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { authorization: `Bearer ${context.me.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as GraphQLResult<T>;
  if (result.errors?.length || !result.data) throw new Error(`The gateway answered with errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

interface ConversationPage {
  dmConversation: {
    events: { nodes: (ShownEvent & { id: string })[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
}

/** One replay of the session, from `start` (ms since the epoch, the fake clock). */
async function replay(context: Context, label: string, start: number): Promise<SessionResult> {
  const { sandbox, me, usernames } = context;
  const steps: StepResult[] = [];
  const truth = (conversationId?: string) => sandbox.visibleEvents(me.id, conversationId);

  /** Runs one step at `at` seconds: the gateway's screen, then the naive client's, each counted apart. */
  async function step(n: string, name: string, at: number, viaGateway: () => Promise<Check[]>, viaNaive: () => Promise<Check[]>): Promise<void> {
    context.setClock(start + at * 1000);
    context.transport.take();
    sandbox.clearRequests();
    const checks = await viaGateway();
    const gateway = context.transport.take();
    const loggedGateway = dmLookupsLogged(sandbox);
    const asked = sandbox.requests.filter((request) => isDmLookup(request.path, request.method)).map(describeCall);
    sandbox.clearRequests();
    context.naive.take();
    const naiveChecks = await viaNaive();
    const naive = context.naive.take();
    const loggedNaive = dmLookupsLogged(sandbox);
    sandbox.clearRequests();
    steps.push({ n, name, at, gateway, naive, checks, naiveChecks, logged: { gateway: loggedGateway, naive: loggedNaive }, asked });
  }

  // The screens of each client, with what each needs to go on (the conversation opened, cursors, tokens).
  let conversationId = '';
  const gatewayState = { shown: [] as (ShownEvent & { id: string })[], endCursor: null as string | null };
  const naiveState = { shown: [] as DmEvent[], nextToken: undefined as string | undefined };

  const gatewayInbox = async (what: string): Promise<Check[]> => {
    const data = await ask<{ dmConversations: { nodes: ShownConversation[] } }>(context, INBOX);
    const nodes = data.dmConversations.nodes;
    conversationId ||= nodes[0]?.conversationId ?? '';
    return [checkInbox(what, nodes, inboxOf(truth(), INBOX_SIZE), usernames)];
  };
  const naiveInbox = async (what: string): Promise<Check[]> => {
    const page = await context.naive.inbox();
    const shown = inboxOf(page.events, INBOX_SIZE).map(({ conversationId: id, lastEvent }) => ({
      conversationId: id,
      updatedAt: lastEvent.created_at ?? null,
      lastEvent: shownOf(lastEvent, page.users),
    }));
    return [checkInbox(what, shown, inboxOf(truth(), INBOX_SIZE), usernames)];
  };

  /** The conversation's first page (`after` undefined) or the next one; checked against X's page after the last shown. */
  const gatewayPage = async (what: string, size: number, scroll: boolean): Promise<Check[]> => {
    const after = scroll ? gatewayState.shown[gatewayState.shown.length - 1]?.restId : undefined;
    const data = await ask<ConversationPage>(context, CONVERSATION, {
      conversationId,
      first: size,
      ...(scroll && { after: gatewayState.endCursor }),
    });
    const { nodes, pageInfo } = data.dmConversation.events;
    gatewayState.shown = scroll ? [...gatewayState.shown, ...nodes] : nodes;
    gatewayState.endCursor = pageInfo.endCursor;
    const expected = pageOf(truth(conversationId), size, after);
    return [
      checkEvents(what, nodes, expected.events, usernames),
      checkFlag(`${what}: hasNextPage`, pageInfo.hasNextPage, expected.hasNextPage),
    ];
  };
  const naivePage = async (what: string, size: number, scroll: boolean): Promise<Check[]> => {
    const after = scroll ? naiveState.shown[naiveState.shown.length - 1]?.id : undefined;
    const page: NaivePage = await context.naive.conversation(conversationId, size, scroll ? naiveState.nextToken : undefined);
    naiveState.shown = scroll ? [...naiveState.shown, ...page.events] : page.events;
    naiveState.nextToken = page.nextToken;
    const expected = pageOf(truth(conversationId), size, after);
    return [checkEvents(what, page.events.map((event) => shownOf(event, page.users)), expected.events, usernames)];
  };

  /** Events the user refetches (3) and opens (2): from the pages shown, the same for both clients. */
  const picks = () => ({
    refetch: [gatewayState.shown[0]!, gatewayState.shown[PAGE_SIZE]!, gatewayState.shown[PAGE_SIZE + SCROLL_SIZE]!],
    open: [gatewayState.shown[1]!, gatewayState.shown[PAGE_SIZE + 1]!],
  });
  const byId = (id: string) => truth().find((event) => event.id === id);

  await step('1', 'inbox', TIMELINE.inbox, () => gatewayInbox('inbox'), () => naiveInbox('inbox'));
  await step('2', 'open the conversation', TIMELINE.open, () => gatewayPage('open', PAGE_SIZE, false), () => naivePage('open', PAGE_SIZE, false));
  await step('3a', 'scroll', TIMELINE.scroll1, () => gatewayPage('scroll 1', SCROLL_SIZE, true), () => naivePage('scroll 1', SCROLL_SIZE, true));
  await step('3b', 'scroll again', TIMELINE.scroll2, () => gatewayPage('scroll 2', SCROLL_SIZE, true), () => naivePage('scroll 2', SCROLL_SIZE, true));
  await step(
    '4',
    'refetch 3 events by node id',
    TIMELINE.refetch,
    async () => {
      const checks: Check[] = [];
      for (const event of picks().refetch) {
        const globalId = Buffer.from(`DmEvent:${event.restId}`).toString('base64');
        checks.push(checkFlag(`node id of ${event.restId} is base64 of DmEvent:<id>`, event.id === globalId, true));
        const data = await ask<{ node: ShownEvent | null }>(context, REFETCH, { id: globalId });
        checks.push(checkEvent(`node ${event.restId}`, data.node, byId(event.restId), usernames));
      }
      return checks;
    },
    async () => {
      const checks: Check[] = [];
      for (const event of picks().refetch) {
        const { event: found, users } = await context.naive.event(event.restId);
        checks.push(checkEvent(`event ${event.restId}`, found && shownOf(found, users), byId(event.restId), usernames));
      }
      return checks;
    },
  );
  await step(
    '5',
    'open 2 events by id',
    TIMELINE.openEvents,
    async () => {
      const checks: Check[] = [];
      for (const event of picks().open) {
        const data = await ask<{ dmEvent: ShownEvent | null }>(context, EVENT, { eventId: event.restId });
        checks.push(checkEvent(`dmEvent ${event.restId}`, data.dmEvent, byId(event.restId), usernames));
      }
      return checks;
    },
    async () => {
      const checks: Check[] = [];
      for (const event of picks().open) {
        const { event: found, users } = await context.naive.event(event.restId);
        checks.push(checkEvent(`event ${event.restId}`, found && shownOf(found, users), byId(event.restId), usernames));
      }
      return checks;
    },
  );
  // 6. A message arrives in the open conversation, from another participant (its latest sender other than the user).
  context.setClock(start + TIMELINE.message * 1000);
  const other = truth(conversationId).find((event) => event.sender_id !== undefined && event.sender_id !== me.id)?.sender_id;
  if (!other) throw new Error(`No other participant in ${conversationId}`);
  const arrived = sandbox.addMessage(conversationId, other, `Are you there? (${label.split(':')[0]})`);
  steps.push({
    n: '6',
    name: 'a message arrives (at X)',
    at: TIMELINE.message,
    gateway: emptyTally(),
    naive: emptyTally(),
    checks: [checkFlag('the new message is the newest event X shows', truth()[0]?.id === arrived.id, true)],
    naiveChecks: [],
    logged: { gateway: 0, naive: 0 },
    asked: [],
  });
  await step('7', 'inbox again', TIMELINE.inboxAgain, () => gatewayInbox('inbox again'), () => naiveInbox('inbox again'));
  await step('8', 'open the conversation again', TIMELINE.openAgain, async () => {
    const checks = await gatewayPage('open again', PAGE_SIZE, false);
    checks.push(checkFlag('the new message is on top', gatewayState.shown[0]?.restId === arrived.id, true));
    return checks;
  }, () => naivePage('open again', PAGE_SIZE, false));
  for (let i = 0; i < POLLS; i++) {
    await step(`9.${i + 1}`, `poll ${i + 1}`, TIMELINE.pollsFrom + i, () => gatewayPage(`poll ${i + 1}`, PAGE_SIZE, false), () => naivePage(`poll ${i + 1}`, PAGE_SIZE, false));
  }
  await step('10', 'reopen the conversation', TIMELINE.reopen, () => gatewayPage('reopen', PAGE_SIZE, false), () => naivePage('reopen', PAGE_SIZE, false));

  const gateway = sum(steps.map((s) => s.gateway));
  const naive = sum(steps.map((s) => s.naive));
  const ratios = { calls: gateway.dmCalls / naive.dmCalls, events: gateway.events / naive.events };
  return {
    label,
    steps,
    gateway,
    naive,
    ratios,
    met: { calls: ratios.calls <= TARGETS.calls, events: ratios.events <= TARGETS.events },
    truthOk: steps.every((s) => s.checks.every((check) => check.ok)),
  };
}

function shownOf(event: DmEvent, users: ReadonlyMap<string, User>): ShownEvent {
  return {
    restId: event.id,
    text: event.text ?? null,
    createdAt: event.created_at ?? null,
    sender: event.sender_id === undefined ? null : { username: users.get(event.sender_id)?.username ?? '?' },
  };
}

function describeCall(request: { path: string; query: Record<string, string> }): string {
  const size = request.query.max_results === undefined ? '' : `?max_results=${request.query.max_results}`;
  return `${request.path}${size}${request.query.pagination_token === undefined ? '' : ' +token'}`;
}

function dmLookupsLogged(sandbox: Sandbox): number {
  return sandbox.requests.filter((request) => isDmLookup(request.path, request.method)).length;
}

function sum(tallies: readonly Tally[]): Tally {
  const total = emptyTally();
  for (const tally of tallies) {
    total.dmCalls += tally.dmCalls;
    total.events += tally.events;
    total.otherCalls += tally.otherCalls;
  }
  return total;
}
