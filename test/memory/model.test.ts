/**
 * A model of the memory, driven by fast-check: random reads of every root field that lists or finds DM events (sizes,
 * cursors, event types), news arriving, messages deleted at X and time passing, against one sandbox and two gateways
 * pointed at it: one with the memory, one with `store: 'off'` (every read asks X), for four users at once. Each answer
 * of each gateway is checked against the sandbox's truth at that moment (`visibleEvents`), field by field, and the two
 * against each other where both must show the same.
 *
 * What the model allows, and why (each is by design, see `docs/memory.md`):
 * - Deleted messages may linger in the memory: X has no feed of deletions, and a sync reads from the newest event down
 *   to the first known one, so only a span read again drops what X no longer has. The model allows an event deleted
 *   at X only to the users whose memory held it when it was deleted (read from the store), and only unchanged. Such an
 *   event, newer than an inbox cursor, keeps its conversation off the next page (it was on the page before).
 * - With a freshness window, news reaches an answer only once its list was synced after it arrived: an answer's list
 *   is X's as of some moment between its `extensions.freshness.syncedAt` and now, and that `syncedAt` is never older
 *   than the window. With `freshnessMs: 0`, that is X's list of now. A page below a cursor shows no news either way.
 * - Cursors of the pass-through gateway name an X page and an index in it: a cursor in the middle of a page means
 *   "the n-th event of that page", which drifts when the list changes. The model reuses such a cursor only while the
 *   list it came from is unchanged; cursors that X's tokens anchor on an event (the last edge of a forward page for
 *   `after`, the first edge of a page read from the top or from such a cursor for `before`) are reused at any time.
 * - Pages may be short where they say more follows: the pass-through gateway's after a cursor deep in an X page (X
 *   sends at most 100) or before one (only that X page's events), the inbox of both (it reads a bounded part of the
 *   feed a request). A short page is the part next to the cursor.
 * - `hasNextPage` and `hasPreviousPage` are exact where the gateway can know them, and otherwise must not lie in the
 *   direction that loses data: when they say false, there is nothing there.
 * - A group's `participants` are "as far as the gateway has read them": not compared.
 *
 * Each run starts a sandbox and two gateways of its own, and the memory reads a clock that only the model moves, so a
 * failing run replays, and shrinks, exactly.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type DemoConversation, type DemoUser, type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { InProcessStore } from '../../src/store/in-process.js';
import type { DmEvent } from '../../src/x/wire.js';
import { recordLog } from '../support/log-capture.js';

// ---------------------------------------------------------------------------------------------------------------
// The world of one run: a sandbox, the two gateways, and what the model tracks.

const TYPES = ['MESSAGE_CREATE', 'PARTICIPANTS_JOIN', 'PARTICIPANTS_LEAVE'] as const;
type GraphQLType = (typeof TYPES)[number];
const X_TYPE: Record<GraphQLType, string> = {
  MESSAGE_CREATE: 'MessageCreate',
  PARTICIPANTS_JOIN: 'ParticipantsJoin',
  PARTICIPANTS_LEAVE: 'ParticipantsLeave',
};
const GRAPHQL_TYPE = Object.fromEntries(Object.entries(X_TYPE).map(([g, x]) => [x, g])) as Record<string, GraphQLType>;

/** Users whose tokens the model reads with: the memory holds all of them at once. */
const USERS = 4;
/** Cursors kept per user and connection. */
const POOL = 24;

/** One cursor of each gateway at the same event of the same connection. */
interface CursorPair {
  readonly memory: string;
  readonly off: string;
  readonly eventId: string;
  /** The user's list version it was issued at (a cursor in the middle of an X page holds only as long as the list). */
  readonly epoch: number;
  /** Anchored on its event by X's token in the pass-through gateway, whatever changed since. */
  readonly exactAfter: boolean;
  readonly exactBefore: boolean;
}

interface Stats {
  steps: number;
  /** Pages and inbox pages read (of each gateway). */
  reads: number;
  backward: number;
  typed: number;
  conversations: number;
  /** dmEvent, node and nodes. */
  events: number;
  adds: number;
  deletes: number;
  waits: number;
  lingering: number;
  shortPages: number;
  cursorsUsed: number;
  staleAnswers: number;
  refused: number;
}

interface World {
  readonly sandbox: Sandbox;
  readonly memory: Gateway;
  readonly off: Gateway;
  readonly store: InProcessStore;
  readonly freshnessMs: number;
  /** The memory's clock (ms): it moves only when the model says so, so every run replays exactly. */
  clock: number;
  readonly users: readonly DemoUser[];
  /** Per user id: how many times their visible events changed. */
  readonly epochs: Map<string, number>;
  readonly cursors: Map<string, CursorPair[]>;
  /** Per user id: events deleted at X while the memory held them, as they were. */
  readonly lingering: Map<string, Map<string, DmEvent>>;
  /**
   * Per user id: deleted events the feed held among its newest four, with when they were deleted. The next sync's first
   * page spans them, so once the feed was synced after it (and no news came first), the memory must have let them go.
   */
  readonly spanned: Map<string, Map<string, number>>;
  /** Every event deleted at X, as it was. */
  readonly deleted: Map<string, DmEvent>;
  /** Messages added, in order, with when (ms) they arrived. */
  readonly adds: { id: string; at: number }[];
  lastMutationAt: number;
  readonly stats: Stats;
}

const noStats = (): Stats => ({
  steps: 0,
  reads: 0,
  backward: 0,
  typed: 0,
  conversations: 0,
  events: 0,
  adds: 0,
  deletes: 0,
  waits: 0,
  lingering: 0,
  shortPages: 0,
  cursorsUsed: 0,
  staleAnswers: 0,
  refused: 0,
});
const totals = noStats();

async function openWorld(seed: number, freshnessMs: number): Promise<World> {
  // A budget X would never give: the memory stretches freshness to the budget's fair share per call (here < 1 µs).
  const sandbox = createSandbox({ seed, rateLimit: { limit: 1_000_000_000, windowMs: 900_000 } });
  const upstream = await sandbox.listen(0, '127.0.0.1');
  const logger = () => pino({ level: 'warn' }, { write: (line: string) => recordLog(line) });
  const store = new InProcessStore();
  const common = { upstream, cursorSecret: 'model-secret', logger: logger(), maxUpstreamRequests: 10 };
  const clock = { now: Date.now() };
  const memory = createGateway({ ...common, store, freshnessMs, now: () => clock.now });
  const off = createGateway({ ...common, logger: logger(), store: 'off' });
  return {
    sandbox,
    memory,
    off,
    store,
    freshnessMs,
    get clock() {
      return clock.now;
    },
    set clock(now: number) {
      clock.now = now;
    },
    users: sandbox.users.slice(0, USERS),
    epochs: new Map(),
    cursors: new Map(),
    lingering: new Map(),
    spanned: new Map(),
    deleted: new Map(),
    adds: [],
    lastMutationAt: 0,
    stats: noStats(),
  };
}

async function closeWorld(world: World): Promise<void> {
  await world.memory.close();
  await world.off.close();
  await world.sandbox.close();
  for (const key of Object.keys(totals) as (keyof Stats)[]) totals[key] += world.stats[key];
}

interface Answer {
  data?: any;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: { freshness?: { syncedAt: string; stale: boolean } };
  /** When the request was sent, by the memory's clock. */
  sentAt: number;
}

async function ask(
  world: World,
  gateway: Gateway,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Answer> {
  const sentAt = world.clock;
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await response.json()) as object), sentAt };
}

/** Both gateways, the same operation, the same caller. */
async function askBoth(world: World, token: string, query: string, variables: Record<string, unknown>) {
  const [memory, off] = await Promise.all([
    ask(world, world.memory, token, query, variables),
    ask(world, world.off, token, query, variables),
  ]);
  return { memory, off };
}

/** `path:CODE` of each error, sorted. */
const errorCodes = (answer: Answer) =>
  (answer.errors ?? []).map((error) => `${(error.path ?? []).join('.')}:${String(error.extensions?.code)}`).sort();

/**
 * A change at X, at a millisecond of its own on the memory's clock: every sync before it started earlier, every sync
 * after it later.
 */
function change(world: World, mutate: () => void): void {
  world.clock += 1;
  mutate();
  world.lastMutationAt = world.clock;
  world.clock += 1;
}

/** Newest first, by X's ids (snowflakes: longer is newer). */
const compareIds = (a: string, b: string) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (events: Iterable<DmEvent>) => [...events].sort((a, b) => compareIds(b.id, a.id));

const epochOf = (world: World, userId: string) => world.epochs.get(userId) ?? 0;
const lingeringOf = (world: World, userId: string) => world.lingering.get(userId) ?? new Map<string, DmEvent>();

function conversationsOf(world: World, userId: string): DemoConversation[] {
  return world.sandbox.data.conversations.filter((c) => c.participantIds.includes(userId));
}

class Mismatch extends Error {
  constructor(what: string, details: Record<string, unknown>) {
    super(`${what}\n${JSON.stringify(details, null, 1).slice(0, 6000)}`);
  }
}

function check(condition: boolean, what: string, details: () => Record<string, unknown>): asserts condition {
  if (!condition) throw new Mismatch(what, details());
}

// ---------------------------------------------------------------------------------------------------------------
// What an event looks like in an answer, and what it must be.

const EVENT = 'restId text senderId sender { restId } createdAt eventType conversationId';

interface EventNode {
  restId: string;
  text: string | null;
  senderId: string | null;
  sender: { restId: string } | null;
  createdAt: string | null;
  eventType: string;
  conversationId: string | null;
}

/** An event as answered is the event X holds (or held, before it was deleted), field by field. */
function checkEvent(node: EventNode, event: DmEvent, who: string): void {
  const expected = {
    restId: event.id,
    text: event.text ?? null,
    senderId: event.sender_id ?? null,
    sender: event.sender_id === undefined ? null : { restId: event.sender_id },
    createdAt: event.created_at === undefined ? null : Date.parse(event.created_at),
    eventType: GRAPHQL_TYPE[event.event_type],
    conversationId: event.dm_conversation_id ?? null,
  };
  const actual = { ...node, createdAt: node.createdAt === null ? null : Date.parse(node.createdAt) };
  check(JSON.stringify(actual) === JSON.stringify(expected), `${who}: event ${event.id} is not as X has it`, () => ({
    actual,
    expected,
  }));
}

/**
 * The event `id` as `who` may show it to `userId`: visible at X now, or (for the memory) deleted at X while the
 * memory held it. Anything else is an event the user may not see.
 */
function eventFor(
  world: World,
  userId: string,
  id: string,
  who: 'memory' | 'off',
  visible: ReadonlyMap<string, DmEvent>,
): DmEvent {
  const event = visible.get(id) ?? (who === 'memory' ? lingeringOf(world, userId).get(id) : undefined);
  check(event !== undefined, `${who} shows user ${userId} an event they may not see: ${id}`, () => ({
    deletedAtX: world.deleted.has(id),
    heldWhenDeleted: lingeringOf(world, userId).has(id),
  }));
  if (!visible.has(id)) world.stats.lingering++;
  return event;
}

const visibleMap = (world: World, userId: string) =>
  new Map(world.sandbox.visibleEvents(userId).map((event) => [event.id, event]));

// ---------------------------------------------------------------------------------------------------------------
// The states an answer may show: X's now, or (with a freshness window) X's as of a moment since its list's sync.

/**
 * The lists an answer of the memory may be a page of: X's list now, with the deleted events it shows, or with every
 * deleted event it still holds (one newer than a cursor hides its conversation from the inbox's next page, as it was
 * on the page before); and each with the news that arrived after the answer's `syncedAt` left out (all, none, or all
 * from one message on).
 */
async function memoryLists(
  world: World,
  userId: string,
  now: readonly DmEvent[],
  shownDeleted: readonly DmEvent[],
  belongs: (event: DmEvent) => boolean,
  syncedAt: number | undefined,
): Promise<DmEvent[][]> {
  const memory = await world.store.read(userId);
  const held = [...lingeringOf(world, userId).values()].filter(
    (event) => memory?.events[event.id] !== undefined && belongs(event),
  );
  const withHeld = new Map([...now, ...shownDeleted, ...held].map((event) => [event.id, event]));
  const bases = [newestFirst([...now, ...shownDeleted]), newestFirst(withHeld.values())];
  const since = syncedAt === undefined ? [] : world.adds.filter((add) => add.at >= syncedAt);
  const lists: DmEvent[][] = [];
  for (const base of bases) {
    lists.push(base);
    for (const add of since) lists.push(base.filter((event) => compareIds(event.id, add.id) < 0));
  }
  return lists;
}

/** `syncedAt` of an answer served by the memory: present, not stale, and within the freshness window. */
function syncedAtOf(world: World, answer: Answer, what: string): number {
  const freshness = answer.extensions?.freshness;
  check(freshness !== undefined, `memory: ${what} has no extensions.freshness`, () => ({
    extensions: answer.extensions,
  }));
  check(!freshness.stale, `memory: ${what} is stale although X answers`, () => ({ freshness }));
  const syncedAt = Date.parse(freshness.syncedAt);
  // Synced within the window before the request.
  check(
    syncedAt >= answer.sentAt - world.freshnessMs,
    `memory: ${what} rests on a sync older than FRESHNESS_MS`,
    () => ({
      syncedAt: freshness.syncedAt,
      sentAt: new Date(answer.sentAt).toISOString(),
      freshnessMs: world.freshnessMs,
    }),
  );
  if (world.freshnessMs === 0) {
    check(syncedAt > world.lastMutationAt, `memory: ${what} was not synced after the last change at X`, () => ({
      syncedAt: freshness.syncedAt,
      lastMutationAt: new Date(world.lastMutationAt).toISOString(),
    }));
  }
  if (syncedAt < world.lastMutationAt) world.stats.staleAnswers++;
  return syncedAt;
}

// ---------------------------------------------------------------------------------------------------------------
// Steps.

type ListKind = 'feed' | 'conversation' | 'with' | 'foreign';

interface PageStep {
  readonly kind: 'page';
  readonly user: number;
  readonly list: ListKind;
  readonly conversation: number;
  readonly backward: boolean;
  readonly size: number;
  /** Which usable cursor to start from (modulo how many there are); none: from the newest event. */
  readonly cursor: number | null;
  readonly types: readonly GraphQLType[] | null;
  /** Which edge of the answer to keep a cursor of, besides the first and the last. */
  readonly edge: number;
}

interface EventStep {
  readonly kind: 'event';
  readonly user: number;
  readonly via: 'dmEvent' | 'node';
  readonly source: 'visible' | 'deleted' | 'any';
  readonly pick: number;
}

interface NodesStep {
  readonly kind: 'nodes';
  readonly user: number;
  readonly items: readonly { source: 'visible' | 'deleted' | 'any' | 'conversation' | 'with'; pick: number }[];
}

interface InboxStep {
  readonly kind: 'inbox';
  readonly user: number;
  readonly first: number;
  readonly cursor: number | null;
}

interface AddStep {
  readonly kind: 'add';
  readonly user: number;
  readonly conversation: number;
  /** The user writes; otherwise another member does. */
  readonly mine: boolean;
  readonly other: number;
}

interface DeleteStep {
  readonly kind: 'delete';
  readonly user: number;
  /** Among the user's newest few events (where a check for news reads) or any of them. */
  readonly near: boolean;
  readonly pick: number;
}

interface ForeignCursorStep {
  readonly kind: 'foreign-cursor';
  readonly user: number;
  readonly pick: number;
}

interface WaitStep {
  readonly kind: 'wait';
  /** How long, as a share of FRESHNESS_MS (above 1: past it). */
  readonly share: number;
}

type Step = PageStep | EventStep | NodesStep | InboxStep | AddStep | DeleteStep | ForeignCursorStep | WaitStep;

const user = fc.integer({ min: 0, max: USERS - 1 });
const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) },
);
const types = fc.oneof(
  { weight: 5, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.subarray([...TYPES], { minLength: 1 }) },
);
const source = fc.constantFrom<'visible' | 'deleted' | 'any'>('visible', 'visible', 'visible', 'deleted', 'any');

const pageStep: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('page' as const),
  user,
  list: fc.constantFrom<ListKind>('feed', 'feed', 'feed', 'conversation', 'conversation', 'with', 'foreign'),
  conversation: fc.nat(),
  backward: fc.boolean(),
  size,
  cursor: fc.option(fc.nat(), { freq: 4, nil: null }),
  types,
  edge: fc.nat(),
});

const stepArbitraries = (withWaits: boolean) =>
  fc.oneof(
    { weight: 40, arbitrary: pageStep },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('event' as const),
        user,
        via: fc.constantFrom<'dmEvent' | 'node'>('dmEvent', 'node'),
        source,
        pick: fc.nat(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('nodes' as const),
        user,
        items: fc.array(
          fc.record({
            source: fc.constantFrom<NodesStep['items'][number]['source']>(
              'visible',
              'deleted',
              'any',
              'conversation',
              'with',
            ),
            pick: fc.nat(),
          }),
          { minLength: 1, maxLength: 5 },
        ),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('inbox' as const),
        user,
        first: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 })),
        cursor: fc.option(fc.nat(), { freq: 3, nil: null }),
      }),
    },
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        user,
        conversation: fc.nat(),
        mine: fc.boolean(),
        other: fc.nat(),
      }),
    },
    {
      weight: 7,
      arbitrary: fc.record({ kind: fc.constant('delete' as const), user, near: fc.boolean(), pick: fc.nat() }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('foreign-cursor' as const), user, pick: fc.nat() }) },
    ...(withWaits
      ? [
          {
            weight: 8,
            arbitrary: fc.record({ kind: fc.constant('wait' as const), share: fc.constantFrom(0.25, 0.5, 1.01, 2) }),
          },
        ]
      : []),
  ) as fc.Arbitrary<Step>;

async function perform(world: World, step: Step): Promise<void> {
  world.stats.steps++;
  await act(world, step);
  if ('user' in step) await checkSpannedDeletions(world, world.users[step.user]!.id);
}

/** A deleted event that a sync since has read across is gone from the user's memory, and may linger no more. */
async function checkSpannedDeletions(world: World, userId: string): Promise<void> {
  const spanned = world.spanned.get(userId);
  if (!spanned?.size) return;
  const memory = await world.store.read(userId);
  for (const [eventId, deletedAt] of spanned) {
    if (!memory?.feed || memory.feed.syncedAt <= deletedAt) continue;
    check(
      memory.events[eventId] === undefined,
      `memory: user ${userId} still holds ${eventId}, deleted among the newest, after a sync read across it`,
      () => ({
        deletedAt,
        feed: { syncedAt: memory.feed!.syncedAt, newest: memory.feed!.ids.slice(0, 8) },
      }),
    );
    spanned.delete(eventId);
    world.lingering.get(userId)?.delete(eventId);
  }
}

async function act(world: World, step: Step): Promise<void> {
  switch (step.kind) {
    case 'page':
      return readPage(world, step);
    case 'event':
      return readEvents(world, step.user, [{ source: step.source, pick: step.pick }], step.via);
    case 'nodes':
      return readEvents(world, step.user, step.items, 'nodes');
    case 'inbox':
      return readInbox(world, step);
    case 'add':
      return addMessage(world, step);
    case 'delete':
      return deleteEvent(world, step);
    case 'foreign-cursor':
      return useForeignCursor(world, step);
    case 'wait':
      world.stats.waits++;
      world.clock += Math.ceil(world.freshnessMs * step.share);
      return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations at X.

function addMessage(world: World, step: AddStep): void {
  const me = world.users[step.user]!;
  const conversations = conversationsOf(world, me.id);
  if (conversations.length === 0) return;
  const conversation = conversations[step.conversation % conversations.length]!;
  const others = conversation.participantIds.filter((id) => id !== me.id);
  const sender = step.mine || others.length === 0 ? me.id : others[step.other % others.length]!;
  change(world, () => {
    const event = world.sandbox.addMessage(conversation.id, sender, `model news ${world.adds.length}`);
    world.adds.push({ id: event.id, at: world.clock });
  });
  for (const participant of conversation.participantIds) {
    world.epochs.set(participant, epochOf(world, participant) + 1);
    // News first: a sync's first page may be all news, and the page that reaches the feed starts below it.
    world.spanned.get(participant)?.clear();
  }
  world.stats.adds++;
}

async function deleteEvent(world: World, step: DeleteStep): Promise<void> {
  const me = world.users[step.user]!;
  const events = world.sandbox.visibleEvents(me.id);
  if (events.length === 0) return;
  const event = events[step.pick % (step.near ? Math.min(8, events.length) : events.length)]!;
  for (const viewer of world.users) {
    if (!world.sandbox.visibleEvents(viewer.id).some((visible) => visible.id === event.id)) continue;
    const memory = await world.store.read(viewer.id);
    if (memory?.events[event.id]) {
      const held = world.lingering.get(viewer.id) ?? new Map<string, DmEvent>();
      held.set(event.id, event);
      world.lingering.set(viewer.id, held);
      const newest = world.sandbox.visibleEvents(viewer.id).slice(0, 4);
      if (memory.feed?.ids.includes(event.id) && newest.some((visible) => visible.id === event.id)) {
        const spanned = world.spanned.get(viewer.id) ?? new Map<string, number>();
        spanned.set(event.id, world.clock + 1);
        world.spanned.set(viewer.id, spanned);
      }
    }
    world.epochs.set(viewer.id, epochOf(world, viewer.id) + 1);
  }
  world.deleted.set(event.id, event);
  change(world, () => expect(world.sandbox.deleteEvent(event.id)).toBe(true));
  world.stats.deletes++;
}

// ---------------------------------------------------------------------------------------------------------------
// Pages of DM events.

const PAGE = `edges { cursor node { ${EVENT} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const ARGS = '$first: Int, $after: String, $last: Int, $before: String, $types: [DmEventType!]';
const PASS = 'first: $first, after: $after, last: $last, before: $before, eventTypes: $types';
const FEED_QUERY = `query(${ARGS}) { list: dmEvents(${PASS}) { ${PAGE} } }`;
const CONVERSATION_QUERY = `query($id: ID!, ${ARGS}) { dmConversation(conversationId: $id) { list: events(${PASS}) { ${PAGE} } } }`;
const WITH_QUERY = `query($id: ID!, ${ARGS}) { dmConversationWith(participantId: $id) { list: events(${PASS}) { ${PAGE} } } }`;

interface Connection {
  /** The pool's key: user, endpoint, types. */
  readonly key: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** X's list now, of the connection's types. */
  readonly truth: readonly DmEvent[];
  /** Whether an event (deleted or not) belongs to the connection. */
  readonly belongs: (event: DmEvent) => boolean;
  readonly pick: (data: any) => any;
}

function connectionOf(world: World, me: DemoUser, step: Pick<PageStep, 'list' | 'conversation' | 'types'>): Connection {
  const wanted = step.types === null ? undefined : new Set(step.types.map((type) => X_TYPE[type]));
  const ofType = (event: DmEvent) => !wanted || wanted.has(event.event_type);
  const typesKey = step.types === null ? '' : [...new Set(step.types)].sort().join(',');
  const typesVariable = step.types === null ? {} : { types: step.types };
  if (step.list === 'feed') {
    return {
      key: `${me.id}|feed|${typesKey}`,
      query: FEED_QUERY,
      variables: typesVariable,
      truth: world.sandbox.visibleEvents(me.id).filter(ofType),
      belongs: ofType,
      pick: (data) => data?.list,
    };
  }
  let conversation: DemoConversation;
  if (step.list === 'foreign') {
    const foreign = world.sandbox.data.conversations.filter((c) => !c.participantIds.includes(me.id));
    conversation = foreign[step.conversation % foreign.length]!;
  } else {
    const mine = conversationsOf(world, me.id).filter((c) => step.list !== 'with' || !c.group);
    conversation = mine[step.conversation % mine.length]!;
  }
  const belongs = (event: DmEvent) => event.dm_conversation_id === conversation.id && ofType(event);
  const truth = world.sandbox.visibleEvents(me.id, conversation.id).filter(ofType);
  if (step.list === 'with') {
    const participantId = conversation.participantIds.find((id) => id !== me.id)!;
    return {
      key: `${me.id}|with/${participantId}|${typesKey}`,
      query: WITH_QUERY,
      variables: { id: participantId, ...typesVariable },
      truth,
      belongs,
      pick: (data) => data?.dmConversationWith?.list,
    };
  }
  return {
    key: `${me.id}|conversation/${conversation.id}|${typesKey}`,
    query: CONVERSATION_QUERY,
    variables: { id: conversation.id, ...typesVariable },
    truth,
    belongs,
    pick: (data) => data?.dmConversation?.list,
  };
}

/** The page of `list` a request asks for: `size` events after (older than) `from`, or right before (newer than) it. */
function pageOf(
  list: readonly DmEvent[],
  backward: boolean,
  size: number,
  from: string | undefined,
): { ids: string[]; more: boolean } {
  if (backward) {
    const newer = list.filter((event) => compareIds(event.id, from!) > 0);
    const start = Math.max(0, newer.length - size);
    return { ids: newer.slice(start).map((event) => event.id), more: start > 0 };
  }
  const older = from === undefined ? [...list] : list.filter((event) => compareIds(event.id, from) < 0);
  return { ids: older.slice(0, size).map((event) => event.id), more: older.length > size };
}

interface Edge {
  cursor: string;
  node: EventNode;
}

interface PageAnswer {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

function usableCursors(world: World, key: string, userId: string, backward: boolean): CursorPair[] {
  const epoch = epochOf(world, userId);
  return (world.cursors.get(key) ?? []).filter((c) => c.epoch === epoch || (backward ? c.exactBefore : c.exactAfter));
}

function keepCursor(world: World, key: string, pair: CursorPair): void {
  const pool = world.cursors.get(key) ?? [];
  pool.push(pair);
  if (pool.length > POOL) pool.shift();
  world.cursors.set(key, pool);
}

async function readPage(world: World, step: PageStep): Promise<void> {
  world.stats.reads++;
  const me = world.users[step.user]!;
  const connection = connectionOf(world, me, step);
  let backward = step.backward;
  let usable = step.cursor === null ? [] : usableCursors(world, connection.key, me.id, backward);
  if (backward && usable.length === 0) {
    // `last` needs `before`: without a cursor to page back from, the step pages forward.
    backward = false;
    usable = step.cursor === null ? [] : usableCursors(world, connection.key, me.id, false);
  }
  const from = usable.length === 0 ? undefined : usable[step.cursor! % usable.length]!;
  if (from) world.stats.cursorsUsed++;
  if (backward) world.stats.backward++;
  if (step.types !== null) world.stats.typed++;
  if (step.list !== 'feed') world.stats.conversations++;
  const variables = (cursor: string | undefined) => ({
    ...connection.variables,
    ...(backward
      ? { last: step.size, before: cursor }
      : { first: step.size, ...(cursor !== undefined && { after: cursor }) }),
  });
  const truth = [...connection.truth];
  const [memory, off] = await Promise.all([
    ask(world, world.memory, me.token, connection.query, variables(from?.memory)),
    ask(world, world.off, me.token, connection.query, variables(from?.off)),
  ]);
  const context = () => ({
    user: me.id,
    connection: connection.key,
    backward,
    size: step.size,
    from: from?.eventId,
    cursorEpoch: from?.epoch,
    epoch: epochOf(world, me.id),
  });
  check(!memory.errors && !off.errors, 'a page read failed', () => ({
    ...context(),
    memory: memory.errors,
    off: off.errors,
  }));
  const m = connection.pick(memory.data) as PageAnswer;
  const o = connection.pick(off.data) as PageAnswer;
  const visible = visibleMap(world, me.id);

  // The pass-through gateway: X's list now, exactly (or the start of it on a short page).
  const expectedOff = pageOf(truth, backward, step.size, from?.eventId);
  const offIds = o.edges.map((edge) => edge.node.restId);
  // Its cursors resume within their own X page: after an edge deep in a page it reads at most X's 100 from the page's
  // start, before an edge only that page's events before it. The page is then the part next to the cursor.
  const short =
    from !== undefined &&
    offIds.length < expectedOff.ids.length &&
    (backward ? o.pageInfo.hasPreviousPage : o.pageInfo.hasNextPage && !from.exactAfter);
  if (short) world.stats.shortPages++;
  const part = backward
    ? expectedOff.ids.slice(expectedOff.ids.length - offIds.length)
    : expectedOff.ids.slice(0, offIds.length);
  const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);
  check(
    short ? offIds.length > 0 && same(offIds, part) : same(offIds, expectedOff.ids),
    'off: the page is not X’s',
    () => ({ ...context(), off: offIds, expected: expectedOff.ids }),
  );
  for (const edge of o.edges) checkEvent(edge.node, eventFor(world, me.id, edge.node.restId, 'off', visible), 'off');

  // The memory: X's list as of a moment since its sync, with the deleted events it held.
  const memoryIds = m.edges.map((edge) => edge.node.restId);
  for (const edge of m.edges)
    checkEvent(edge.node, eventFor(world, me.id, edge.node.restId, 'memory', visible), 'memory');
  const held = lingeringOf(world, me.id);
  const shownDeleted = memoryIds.filter((id) => !visible.has(id)).map((id) => held.get(id)!);
  for (const event of shownDeleted) {
    check(connection.belongs(event), 'memory: a deleted event it held is shown in a list it is not of', () => ({
      ...context(),
      event,
    }));
  }
  // News arrives at the top: a page below a cursor is the same whenever the list was synced (and needs no sync).
  const belowCursor = !backward && from !== undefined;
  const syncedAt = belowCursor ? undefined : syncedAtOf(world, memory, `page of ${connection.key}`);
  const lists = await memoryLists(world, me.id, truth, shownDeleted, connection.belongs, syncedAt);
  const candidates = lists.map((list) => ({ list, page: pageOf(list, backward, step.size, from?.eventId) }));
  const matches = candidates.filter((candidate) => JSON.stringify(candidate.page.ids) === JSON.stringify(memoryIds));
  check(matches.length > 0, 'memory: the page is not X’s', () => ({
    ...context(),
    memory: memoryIds,
    expected: candidates.map((candidate) => candidate.page.ids),
    off: offIds,
    syncedAt,
  }));

  // Where both show the same events, they show them alike.
  if (shownDeleted.length === 0 && !short && matches.includes(candidates[0]!)) {
    check(
      JSON.stringify(m.edges.map((e) => e.node)) === JSON.stringify(o.edges.map((e) => e.node)),
      'memory and off differ',
      () => ({
        ...context(),
        memory: m.edges.map((e) => e.node),
        off: o.edges.map((e) => e.node),
      }),
    );
  }

  // pageInfo: exact where it can be known, and never "nothing more" when there is more.
  // A deleted event the memory may still hold, newer than the page, may make it say there is more before it.
  const newestShown = memoryIds[0] ?? from?.eventId;
  const heldBeyond = [...held.values()].some(
    (event) => connection.belongs(event) && newestShown !== undefined && compareIds(event.id, newestShown) > 0,
  );
  const problems = matches.map((candidate) => pageInfoProblem('memory', m, candidate.page, backward, !heldBeyond));
  check(problems.includes(undefined), problems[0]!, () => ({
    ...context(),
    pageInfo: m.pageInfo,
    expected: matches.map((candidate) => candidate.page),
  }));
  const offProblem = pageInfoProblem('off', o, short ? { ids: offIds, more: true } : expectedOff, backward, false);
  check(offProblem === undefined, offProblem!, () => ({ ...context(), pageInfo: o.pageInfo, expected: expectedOff }));

  // Cursors for later steps: the first, the last and one more edge, paired by event.
  const indexes = new Set([0, m.edges.length - 1, step.edge % Math.max(1, m.edges.length)]);
  for (const index of indexes) {
    const edge = m.edges[index];
    if (!edge) continue;
    const offIndex = offIds.indexOf(edge.node.restId);
    if (offIndex < 0) continue;
    keepCursor(world, connection.key, {
      memory: edge.cursor,
      off: o.edges[offIndex]!.cursor,
      eventId: edge.node.restId,
      epoch: epochOf(world, me.id),
      exactAfter: !backward && offIndex === offIds.length - 1,
      exactBefore: !backward && offIndex === 0 && (from === undefined || from.exactAfter),
    });
  }
}

/** What is wrong with a page's pageInfo, if any: exact where it can be known, never "nothing more" when there is. */
function pageInfoProblem(
  who: 'memory' | 'off',
  answer: PageAnswer,
  expected: { ids: string[]; more: boolean },
  backward: boolean,
  exact: boolean,
): string | undefined {
  const { pageInfo, edges } = answer;
  if (pageInfo.startCursor !== (edges[0]?.cursor ?? null)) return `${who}: startCursor is not the first edge's`;
  if (pageInfo.endCursor !== (edges.at(-1)?.cursor ?? null)) return `${who}: endCursor is not the last edge's`;
  if (backward) {
    // Walking back from a cursor, the cursor's event lies after the page.
    if (!pageInfo.hasNextPage) return `${who}: a page before a cursor says nothing follows it`;
    if (exact && pageInfo.hasPreviousPage !== expected.more) return `${who}: hasPreviousPage is wrong`;
    if (!pageInfo.hasPreviousPage && expected.more) return `${who}: hasPreviousPage says nothing newer, but there is`;
    return undefined;
  }
  // Forward: true may mean "X has not said yet" (its tokens, or a list not read to its end); false must be right.
  if (!pageInfo.hasNextPage && expected.more) return `${who}: hasNextPage says nothing more, but there is`;
  if (who === 'memory' && pageInfo.hasPreviousPage) return 'memory: hasPreviousPage on a forward page';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Events by id: dmEvent, node, nodes.

const EVENT_QUERY = `query($id: ID!) { dmEvent(eventId: $id) { ${EVENT} } }`;
const NODE_QUERY = `query($id: ID!) { node(id: $id) { ... on DmEvent { ${EVENT} } } }`;
const NODES_QUERY = `query($ids: [ID!]!) {
  nodes(ids: $ids) { ... on DmEvent { ${EVENT} } ... on DmConversation { conversationId kind lastEvent { restId } } }
}`;

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

type Item = { kind: 'event'; id: string } | { kind: 'conversation'; local: string; conversationId: string };

function itemOf(world: World, me: DemoUser, item: NodesStep['items'][number]): Item | undefined {
  if (item.source === 'conversation' || item.source === 'with') {
    const all = world.sandbox.data.conversations.filter((c) => item.source === 'conversation' || !c.group);
    const conversation = all[item.pick % all.length]!;
    if (item.source === 'conversation')
      return { kind: 'conversation', local: `c_${conversation.id}`, conversationId: conversation.id };
    // A one-to-one conversation by the other participant: the caller's own, or one with someone else's id in it.
    const participantId = conversation.participantIds.find((id) => id !== me.id)!;
    const [a, b] = [me.id, participantId].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    return { kind: 'conversation', local: `w_${participantId}`, conversationId: `${a}-${b}` };
  }
  let pool: readonly DmEvent[];
  if (item.source === 'visible') pool = world.sandbox.visibleEvents(me.id);
  else if (item.source === 'deleted') pool = [...world.deleted.values()];
  else pool = [...world.sandbox.data.events, ...world.deleted.values()];
  if (pool.length === 0) return undefined;
  return { kind: 'event', id: pool[item.pick % pool.length]!.id };
}

async function readEvents(
  world: World,
  userIndex: number,
  items: NodesStep['items'],
  via: 'dmEvent' | 'node' | 'nodes',
): Promise<void> {
  world.stats.events++;
  const me = world.users[userIndex]!;
  const resolved = items.map((item) => itemOf(world, me, item)).filter((item): item is Item => item !== undefined);
  if (via !== 'nodes') {
    const item = resolved[0];
    if (!item || item.kind !== 'event') return;
    const query = via === 'dmEvent' ? EVENT_QUERY : NODE_QUERY;
    const variables = { id: via === 'dmEvent' ? item.id : globalId('DmEvent', item.id) };
    const { memory, off } = await askBoth(world, me.token, query, variables);
    const pick = (answer: Answer) => (via === 'dmEvent' ? answer.data?.dmEvent : answer.data?.node) as EventNode | null;
    checkItem(world, me, item, pick(memory), errorCodes(memory), 'memory', via);
    checkItem(world, me, item, pick(off), errorCodes(off), 'off', via);
    return;
  }
  if (resolved.length === 0) return;
  const ids = resolved.map((item) =>
    item.kind === 'event' ? globalId('DmEvent', item.id) : globalId('DmConversation', item.local),
  );
  const { memory, off } = await askBoth(world, me.token, NODES_QUERY, { ids });
  for (const [who, answer] of [
    ['memory', memory],
    ['off', off],
  ] as const) {
    const codes = errorCodes(answer);
    check(
      Array.isArray(answer.data?.nodes) && answer.data.nodes.length === resolved.length,
      `${who}: nodes answered another number of items than ids`,
      () => ({
        resolved,
        answer,
      }),
    );
    resolved.forEach((item, index) => {
      const mine = codes
        .filter((code) => code.startsWith(`nodes.${index}:`) || code.startsWith(`nodes.${index}.`))
        .map((code) => code.replace(/^nodes\.\d+(\.[^:]*)?:/, 'dmEvent$1:'));
      checkItem(world, me, item, answer.data.nodes[index], mine, who, 'nodes');
    });
  }
}

/** One event or conversation by id, as `who` answered it: X's now, or (memory) the deleted event it held. */
function checkItem(
  world: World,
  me: DemoUser,
  item: Item,
  node: any,
  codes: string[],
  who: 'memory' | 'off',
  via: string,
): void {
  const visible = visibleMap(world, me.id);
  const details = () => ({ user: me.id, item, via, node, codes });
  if (item.kind === 'conversation') {
    check(codes.length === 0, `${who}: a conversation by id failed`, details);
    check(node?.conversationId === item.conversationId, `${who}: a conversation by id is another`, details);
    const events = world.sandbox.visibleEvents(me.id, item.conversationId);
    const newest = events[0]?.id ?? null;
    const shown: string | null = node.lastEvent?.restId ?? null;
    if (shown === newest) return;
    // The memory may still hold a newest event deleted at X; with a freshness window, news may be unseen yet.
    check(who === 'memory', `${who}: lastEvent is not the conversation's newest`, () => ({ ...details(), newest }));
    const known = shown === null ? undefined : (visible.get(shown) ?? lingeringOf(world, me.id).get(shown));
    const unseen = (id: string) => world.freshnessMs > 0 && world.adds.some((add) => add.id === id);
    const skipped = events.filter((event) => shown === null || compareIds(event.id, shown) > 0);
    check(
      (shown === null || known?.dm_conversation_id === item.conversationId) &&
        skipped.every((event) => unseen(event.id)),
      'memory: lastEvent is not the conversation’s newest, nor one it may still show',
      () => ({ ...details(), newest }),
    );
    return;
  }
  const current = visible.get(item.id);
  const held = lingeringOf(world, me.id).get(item.id);
  if (current) {
    check(codes.length === 0 && node !== null, `${who}: an event the user may see is not found`, details);
    checkEvent(node, current, who);
    return;
  }
  if (who === 'memory' && held && node !== null) {
    world.stats.lingering++;
    check(codes.length === 0, 'memory: a held event answered with an error', details);
    checkEvent(node, held, who);
    return;
  }
  const notFound = node === null && codes.length === 1 && codes[0]!.endsWith(':NOT_FOUND');
  check(notFound, `${who}: an event the user may not see is not NOT_FOUND`, details);
}

// ---------------------------------------------------------------------------------------------------------------
// The inbox.

const INBOX_QUERY = `query($first: Int, $after: String) {
  inbox: dmConversations(first: $first, after: $after) {
    edges { cursor node { conversationId kind lastEvent { restId text } updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface InboxAnswer {
  edges: {
    cursor: string;
    node: {
      conversationId: string;
      kind: string;
      lastEvent: { restId: string; text: string | null } | null;
      updatedAt: string | null;
    };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Conversations of `list` (newest first) by their newest event, after the one whose newest event is `after`. */
function inboxOf(list: readonly DmEvent[], first: number, after: string | undefined): { ids: string[]; more: boolean } {
  const newest: DmEvent[] = [];
  const seen = new Set<string>();
  for (const event of list) {
    if (seen.has(event.dm_conversation_id!)) continue;
    seen.add(event.dm_conversation_id!);
    newest.push(event);
  }
  const rest = after === undefined ? newest : newest.filter((event) => compareIds(event.id, after) < 0);
  return {
    ids: rest.slice(0, first).map((event) => `${event.dm_conversation_id}@${event.id}`),
    more: rest.length > first,
  };
}

async function readInbox(world: World, step: InboxStep): Promise<void> {
  world.stats.reads++;
  const me = world.users[step.user]!;
  const key = `${me.id}|inbox`;
  // Inbox cursors name an event in both gateways: any holds, whatever changed.
  const pool = step.cursor === null ? [] : (world.cursors.get(key) ?? []);
  const from = pool.length === 0 ? undefined : pool[step.cursor! % pool.length]!;
  if (from) world.stats.cursorsUsed++;
  const truth = [...world.sandbox.visibleEvents(me.id)];
  const [memory, off] = await Promise.all([
    ask(world, world.memory, me.token, INBOX_QUERY, { first: step.first, ...(from && { after: from.memory }) }),
    ask(world, world.off, me.token, INBOX_QUERY, { first: step.first, ...(from && { after: from.off }) }),
  ]);
  const context = () => ({ user: me.id, first: step.first, after: from?.eventId });
  check(!memory.errors && !off.errors, 'an inbox read failed', () => ({
    ...context(),
    memory: memory.errors,
    off: off.errors,
  }));
  const m = memory.data.inbox as InboxAnswer;
  const o = off.data.inbox as InboxAnswer;
  const visible = visibleMap(world, me.id);
  const idsOf = (answer: InboxAnswer) =>
    answer.edges.map((edge) => `${edge.node.conversationId}@${edge.node.lastEvent?.restId}`);

  for (const [who, answer] of [
    ['memory', m],
    ['off', o],
  ] as const) {
    for (const { node } of answer.edges) {
      check(node.lastEvent !== null, `${who}: an inbox conversation without its last event`, () => ({
        ...context(),
        node,
      }));
      const event = eventFor(world, me.id, node.lastEvent.restId, who, visible);
      check(
        event.dm_conversation_id === node.conversationId &&
          node.lastEvent.text === (event.text ?? null) &&
          Date.parse(node.updatedAt!) === Date.parse(event.created_at!),
        `${who}: an inbox conversation is not as its last event says`,
        () => ({ ...context(), node, event }),
      );
      check(node.kind === (node.conversationId.includes('-') ? 'ONE_TO_ONE' : 'GROUP'), `${who}: kind`, () => ({
        node,
      }));
    }
    const last = answer.edges.at(-1)?.cursor ?? null;
    check(answer.pageInfo.endCursor === last, `${who}: endCursor is not the last edge's`, () => ({
      ...context(),
      answer,
    }));
  }

  // The inbox reads at most one page of the feed a request: a page holds the newest conversations after the cursor,
  // in order, at least one when there is one, and fewer than asked only while it says more follow.
  const fits = (ids: string[], hasNextPage: boolean, expected: { ids: string[]; more: boolean }, exactMore: boolean) =>
    JSON.stringify(ids) === JSON.stringify(expected.ids.slice(0, ids.length)) &&
    (ids.length > 0 || expected.ids.length === 0) &&
    (ids.length === expected.ids.length || hasNextPage) &&
    (exactMore ? hasNextPage || !expected.more : true) &&
    (hasNextPage || !expected.more);
  const expectedOff = inboxOf(truth, step.first, from?.eventId);
  if (idsOf(o).length < expectedOff.ids.length) world.stats.shortPages++;
  check(fits(idsOf(o), o.pageInfo.hasNextPage, expectedOff, true), 'off: the inbox is not X’s', () => ({
    ...context(),
    off: idsOf(o),
    hasNextPage: o.pageInfo.hasNextPage,
    expected: expectedOff,
  }));

  const shownDeleted = m.edges
    .map((edge) => edge.node.lastEvent!.restId)
    .filter((id) => !visible.has(id))
    .map((id) => lingeringOf(world, me.id).get(id)!);
  const syncedAt = syncedAtOf(world, memory, 'inbox');
  const lists = await memoryLists(world, me.id, truth, shownDeleted, () => true, syncedAt);
  const candidates = lists.map((list) => inboxOf(list, step.first, from?.eventId));
  // A deleted event it may still hold, below the page, may make it say there is more.
  const match = candidates.find((candidate) =>
    fits(idsOf(m), m.pageInfo.hasNextPage, candidate, lingeringOf(world, me.id).size === 0),
  );
  check(match !== undefined, 'memory: the inbox is not X’s', () => ({
    ...context(),
    memory: idsOf(m),
    hasNextPage: m.pageInfo.hasNextPage,
    expected: candidates,
    off: idsOf(o),
  }));
  if (shownDeleted.length === 0 && match === candidates[0]) {
    const common = Math.min(m.edges.length, o.edges.length);
    const nodes = (answer: InboxAnswer) => JSON.stringify(answer.edges.slice(0, common).map((edge) => edge.node));
    check(nodes(m) === nodes(o), 'memory and off inboxes differ', () => ({ memory: m, off: o }));
  }

  // Cursors: one per conversation both show at the same place.
  const mIds = idsOf(m);
  const oIds = idsOf(o);
  mIds.forEach((id, index) => {
    if (oIds[index] !== id || index % 2 === 1) return;
    keepCursor(world, key, {
      memory: m.edges[index]!.cursor,
      off: o.edges[index]!.cursor,
      eventId: m.edges[index]!.node.lastEvent!.restId,
      epoch: epochOf(world, me.id),
      exactAfter: true,
      exactBefore: false,
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A cursor of another user or another connection: refused alike.

async function useForeignCursor(world: World, step: ForeignCursorStep): Promise<void> {
  const me = world.users[step.user]!;
  const connection = connectionOf(world, me, { list: 'feed', conversation: 0, types: null });
  const foreign = [...world.cursors.entries()].filter(([key]) => key !== connection.key).flatMap(([, pool]) => pool);
  if (foreign.length === 0) return;
  const pair = foreign[step.pick % foreign.length]!;
  const [memory, off] = await Promise.all([
    ask(world, world.memory, me.token, connection.query, { first: 3, after: pair.memory }),
    ask(world, world.off, me.token, connection.query, { first: 3, after: pair.off }),
  ]);
  world.stats.refused++;
  for (const [who, answer] of [
    ['memory', memory],
    ['off', off],
  ] as const) {
    check(
      JSON.stringify(errorCodes(answer)) === JSON.stringify(['list:BAD_USER_INPUT']),
      `${who}: a foreign cursor is not refused`,
      () => ({
        errors: answer.errors,
        data: answer.data,
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function runSteps(seed: number, freshnessMs: number, steps: readonly Step[]): Promise<void> {
  const world = await openWorld(seed, freshnessMs);
  try {
    for (const [index, step] of steps.entries()) {
      try {
        await perform(world, step);
      } catch (error) {
        if (error instanceof Error) error.message = `step ${index} ${JSON.stringify(step)}: ${error.message}`;
        throw error;
      }
    }
  } finally {
    await closeWorld(world);
  }
}

const sandboxSeed = fc.constantFrom(42, 7, 2026);
/** `MODEL_END_ON_FAILURE=1` reports the first failing run as it is: shrinking replays many runs, which takes minutes. */
const endOnFailure = process.env.MODEL_END_ON_FAILURE === '1';

async function assertModel(freshnessMs: number, runs: number, maxSteps: number, seed: number): Promise<void> {
  const before = { ...totals };
  const steps = fc.array(stepArbitraries(freshnessMs > 0), { minLength: 1, maxLength: maxSteps, size: 'max' });
  await fc.assert(
    fc.asyncProperty(sandboxSeed, steps, (sandbox, run) => runSteps(sandbox, freshnessMs, run)),
    { seed, numRuns: runs, endOnFailure },
  );
  const done = Object.fromEntries(
    Object.entries(totals).map(([key, value]) => [key, value - before[key as keyof Stats]]),
  );
  console.info(`model (freshnessMs ${freshnessMs}, ${runs} runs): ${JSON.stringify(done)}`);
}

describe('the memory against X, step by step', () => {
  it(
    'answers as the pass-through gateway does, when every read checks for news (freshnessMs: 0)',
    { timeout: 300_000 },
    () => assertModel(0, 50, 140, 20261201),
  );

  it(
    'answers with X’s lists as of its last sync, never older than FRESHNESS_MS (freshnessMs: 40)',
    { timeout: 300_000 },
    () => assertModel(40, 35, 100, 20261202),
  );

  it('says a list synced for the request itself is fresh, however long the request takes', async () => {
    // The memory's clock moves 5 ms each time it is read: every request outlasts FRESHNESS_MS.
    const sandbox = createSandbox({ rateLimit: { limit: 1_000_000_000, windowMs: 900_000 } });
    let now = Date.now();
    const gateway = createGateway({
      upstream: await sandbox.listen(0, '127.0.0.1'),
      logger: pino({ level: 'warn' }, { write: (line: string) => recordLog(line) }),
      freshnessMs: 1,
      now: () => (now += 5),
    });
    try {
      for (const query of [
        '{ dmEvents(first: 3) { nodes { restId } } }',
        '{ dmConversations(first: 2) { nodes { conversationId } } }',
      ]) {
        const answer = await ask({ clock: now } as World, gateway, sandbox.users[0]!.token, query, {});
        expect(answer.errors).toBeUndefined();
        expect(answer.extensions?.freshness?.stale).toBe(false);
      }
    } finally {
      await gateway.close();
      await sandbox.close();
    }
  });
});
