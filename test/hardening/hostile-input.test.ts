/**
 * Hostile arguments, property-based: generated ids, cursors, page sizes, event types and global ids thrown at every
 * root field through variables declared with the field's own types.
 *
 * For every answer: (a) it is JSON with `data` or `errors`; (b) every error carries a contract code; (c) nothing X
 * would refuse reaches X (the sandbox validates like X and answers 400 to any invalid parameter); (d) an operation
 * refused with BAD_USER_INPUT made no upstream call at all. Where the answer is known from the contract (page sizes
 * out of 1..100, ids that miss X's patterns, cursors that are not this connection's, valid ids of the demo data),
 * it is checked too. Variables of the wrong JSON type must fail as variable coercion: BAD_USER_INPUT, no `data`,
 * no call.
 *
 * Seeds are fixed so CI is deterministic.
 */
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { type GraphQLAnswer, useGateway } from '../support/harness.js';

const h = useGateway();

const CONTRACT_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'BAD_USER_INPUT',
  'COST_LIMIT_EXCEEDED',
  'UPSTREAM_ERROR',
];

const EVENT_TYPES = ['MESSAGE_CREATE', 'PARTICIPANTS_JOIN', 'PARTICIPANTS_LEAVE'] as const;

// X's id patterns (the spec's, as the contract refers to them).
const DIGITS_ID = /^[0-9]{1,19}$/;
const CONVERSATION_ID = /^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$/;

const CONNECTION_ARGS = '$first: Int, $after: String, $last: Int, $before: String, $eventTypes: [DmEventType!]';
const CONNECTION_PASS = 'first: $first, after: $after, last: $last, before: $before, eventTypes: $eventTypes';
const PAGE_SELECTION = `edges { cursor node { id restId eventType conversationId sender { username } } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

const QUERIES = {
  dmEvents: `query Hostile(${CONNECTION_ARGS}) { dmEvents(${CONNECTION_PASS}) { ${PAGE_SELECTION} } }`,
  dmEvent: `query Hostile($eventId: ID!) { dmEvent(eventId: $eventId) { id restId text eventType } }`,
  dmConversation: `query Hostile($conversationId: ID!, ${CONNECTION_ARGS}) {
    dmConversation(conversationId: $conversationId) { id conversationId events(${CONNECTION_PASS}) { ${PAGE_SELECTION} } }
  }`,
  dmConversationWith: `query Hostile($participantId: ID!, ${CONNECTION_ARGS}) {
    dmConversationWith(participantId: $participantId) { id events(${CONNECTION_PASS}) { ${PAGE_SELECTION} } }
  }`,
  node: `query Hostile($id: ID!) {
    node(id: $id) { id ... on DmEvent { restId text } ... on User { username } ... on Tweet { text } ... on DmConversation { conversationId } }
  }`,
  nodes: `query Hostile($ids: [ID!]!) { nodes(ids: $ids) { id ... on DmEvent { restId } ... on User { username } } }`,
} as const;
type RootField = keyof typeof QUERIES;

// ---------------------------------------------------------------------------------------------------------------
// Variable coercion, as graphql-js does it, on the JSON the server receives.

type VariableType = 'Int' | 'String' | 'ID!' | '[DmEventType!]' | '[ID!]!';

const VARIABLE_TYPES: Record<RootField, Record<string, VariableType>> = {
  dmEvents: { first: 'Int', after: 'String', last: 'Int', before: 'String', eventTypes: '[DmEventType!]' },
  dmEvent: { eventId: 'ID!' },
  dmConversation: {
    conversationId: 'ID!',
    first: 'Int',
    after: 'String',
    last: 'Int',
    before: 'String',
    eventTypes: '[DmEventType!]',
  },
  dmConversationWith: {
    participantId: 'ID!',
    first: 'Int',
    after: 'String',
    last: 'Int',
    before: 'String',
    eventTypes: '[DmEventType!]',
  },
  node: { id: 'ID!' },
  nodes: { ids: '[ID!]!' },
};

const isInt32 = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;
const coercesToId = (v: unknown) => typeof v === 'string' || Number.isInteger(v);
const idString = (v: unknown) => String(v);

function coerces(type: VariableType, v: unknown): boolean {
  switch (type) {
    case 'Int':
      return v === undefined || v === null || isInt32(v);
    case 'String':
      return v === undefined || v === null || typeof v === 'string';
    case 'ID!':
      return coercesToId(v);
    case '[DmEventType!]':
      if (v === undefined || v === null) return true;
      return (Array.isArray(v) ? v : [v]).every(
        (item) => typeof item === 'string' && (EVENT_TYPES as readonly string[]).includes(item),
      );
    case '[ID!]!':
      if (v === undefined || v === null) return false;
      return (Array.isArray(v) ? v : [v]).every(coercesToId);
  }
}

/** What the server receives: `JSON.stringify` drops `undefined`, turns NaN and Infinity into null. */
const overTheWire = (variables: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(variables));

const coercionFails = (field: RootField, variables: Record<string, unknown>) =>
  Object.entries(VARIABLE_TYPES[field]).some(([name, type]) => !coerces(type, variables[name]));

// ---------------------------------------------------------------------------------------------------------------
// The demo data and real pages, for valid ids and real cursors.

interface RealCursor {
  /** The connection that issued it: endpoint and conversation, then event types. */
  base: string;
  eventTypes?: string[];
}

const demo = {
  eventIds: [] as string[],
  userIds: [] as string[],
  tweetIds: [] as string[],
  conversationIds: [] as string[],
  globalIds: [] as string[],
  cursors: new Map<string, RealCursor>(),
  busiest: '',
  partner: '',
};

const mainUser = () => h.sandbox.users[0]!;

beforeAll(async () => {
  const { data } = h.sandbox;
  const visible = h.sandbox.visibleEvents(mainUser().id);
  demo.eventIds = [...visible.slice(0, 15).map((e) => e.id), ...data.events.slice(-5).map((e) => e.id)];
  demo.userIds = data.users.map((u) => u.id);
  demo.tweetIds = [...data.tweets.slice(0, 10).map((t) => t.id!), data.missingTweetId];
  demo.conversationIds = data.conversations.map((c) => c.id);
  const counts = new Map<string, number>();
  for (const event of visible) counts.set(event.dm_conversation_id!, (counts.get(event.dm_conversation_id!) ?? 0) + 1);
  demo.busiest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  demo.partner = h.sandbox.users[1]!.id;

  const collect = async (field: RootField, variables: Record<string, unknown>, base: string, pick: (d: any) => any) => {
    const answer = await h.query(QUERIES[field], { first: 5, ...variables });
    expect(answer.errors).toBeUndefined();
    const connection = pick(answer.data);
    for (const edge of connection.edges) {
      demo.cursors.set(edge.cursor, {
        base,
        ...(variables.eventTypes ? { eventTypes: variables.eventTypes as string[] } : {}),
      });
      demo.globalIds.push(edge.node.id);
    }
    expect(connection.edges.length).toBe(5);
  };
  await collect('dmEvents', {}, 'dmEvents', (d) => d.dmEvents);
  await collect('dmEvents', { eventTypes: ['MESSAGE_CREATE'] }, 'dmEvents', (d) => d.dmEvents);
  await collect(
    'dmConversation',
    { conversationId: demo.busiest },
    `conversation:${demo.busiest}`,
    (d) => d.dmConversation.events,
  );
  await collect(
    'dmConversationWith',
    { participantId: demo.partner },
    `with:${demo.partner}`,
    (d) => d.dmConversationWith.events,
  );
  // A second page (cursors with a page token), and a page walked back from it (cursors of a backward page).
  const plain = () =>
    [...demo.cursors].filter(([, c]) => c.base === 'dmEvents' && !c.eventTypes).map(([cursor]) => cursor);
  await collect('dmEvents', { after: plain().at(-1) }, 'dmEvents', (d) => d.dmEvents);
  const secondPageStart = plain()[5]!;
  await collect('dmEvents', { first: undefined, last: 5, before: secondPageStart }, 'dmEvents', (d) => d.dmEvents);

  const refs = await h.query(
    `{ dmEvents(first: 100) { nodes { conversation { id } sender { id } referencedTweets { id } } } }`,
  );
  for (const node of refs.data.dmEvents.nodes) {
    demo.globalIds.push(node.conversation.id);
    if (node.sender) demo.globalIds.push(node.sender.id);
    for (const tweet of node.referencedTweets ?? []) demo.globalIds.push(tweet.id);
  }
  demo.globalIds = [...new Set(demo.globalIds)];
});

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries. Built lazily: they need the demo data.

const HOSTILE_STRINGS = [
  '',
  ' ',
  '  ',
  '\t',
  '\n',
  '\u0000',
  '../',
  '../../2/users/me',
  '..%2F..%2F2%2Fusers%2Fme',
  '%2F',
  '/',
  '//',
  '?max_results=1000',
  '&max_results=1000',
  '#',
  '%',
  '%00',
  '%zz',
  "1' OR '1'='1",
  '1; DROP TABLE dm_events;--',
  '{"$gt":""}',
  '{}',
  '[]',
  '[1]',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'true',
  '-1',
  '-0',
  '0',
  '00',
  '000123',
  '1e5',
  '1E5',
  '0x1F',
  '+1',
  ' 1',
  '1 ',
  '1\n',
  '\u200b1',
  '１２３',
  '١٢٣',
  '𝟏𝟐𝟑',
  '1-2',
  '1-2-3',
  '123-',
  '-123',
  '1_2',
  '1.5',
  '1,2',
  'c_1',
  'w_1',
  'me',
  '💥',
  'é',
  'ü'.repeat(30),
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'DmEvent:1',
  'User:1',
  '\ud800',
  'a'.repeat(257),
  '9'.repeat(2000),
  'a'.repeat(70_000),
];

const URL_JUNK = [
  '?max_results=1000',
  '/../users/me',
  '%2F..%2F',
  '&pagination_token=x',
  ' ',
  '\n',
  '#x',
  '%00',
  '/',
  '.json',
];

function idArbitraries() {
  const demoIds = fc.constantFrom(...demo.eventIds, ...demo.userIds, ...demo.tweetIds);
  return {
    demoIds,
    hostile: fc.oneof(
      { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 4 },
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.bigInt({ min: 10n ** 19n, max: 10n ** 40n }).map(String), // 20+ digits
      fc.bigInt({ min: -(10n ** 21n), max: -1n }).map(String),
      fc.tuple(demoIds, fc.constantFrom(...URL_JUNK)).map(([id, junk]) => id + junk),
      fc.tuple(fc.constantFrom(...URL_JUNK), demoIds).map(([junk, id]) => junk + id),
    ),
    validLooking: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }).map(String), demoIds),
  };
}

function conversationIdArbitrary() {
  const ids = idArbitraries();
  const part = fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }).map(String);
  return fc.oneof(
    { arbitrary: fc.constantFrom(...demo.conversationIds), weight: 3 },
    ids.hostile,
    ids.validLooking,
    fc.tuple(part, part).map(([a, b]) => `${a}-${b}`),
    fc.tuple(fc.constantFrom(...demo.userIds), fc.constantFrom(...demo.userIds)).map(([a, b]) => `${a}-${b}`),
    fc.tuple(fc.constantFrom(...demo.conversationIds), fc.constantFrom(...URL_JUNK)).map(([a, b]) => a + b),
  );
}

function cursorArbitrary() {
  const real = fc.constantFrom(...demo.cursors.keys());
  const base64 = (encoding: BufferEncoding) =>
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString(encoding));
  const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return fc.oneof(
    { arbitrary: real, weight: 4 },
    fc.constant(''),
    base64('base64'),
    base64('base64url'),
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ maxLength: 60 }),
    // Truncated: a strict prefix of a real cursor.
    fc.tuple(real, fc.nat()).map(([cursor, n]) => cursor.slice(0, n % cursor.length)),
    // Altered: one character of the signed body changed.
    fc.tuple(real, fc.nat(), fc.nat({ max: base64Chars.length - 1 })).map(([cursor, n, c]) => {
      const body = cursor.split('.')[0]!;
      const at = n % body.length;
      let replacement = base64Chars[c]!;
      if (replacement === body[at]) replacement = base64Chars[(c + 1) % base64Chars.length]!;
      return cursor.slice(0, at) + replacement + cursor.slice(at + 1);
    }),
    // Another edge index, past the page's 5 edges, or not a number.
    fc
      .tuple(
        real,
        fc.oneof(
          fc.integer({ min: 5, max: 99_999 }).map(String),
          fc.constantFrom('-1', '01', '1.0', '', '1e2', ' 1', '０', '4 '),
        ),
      )
      .map(([cursor, index]) => cursor.slice(0, cursor.lastIndexOf('.') + 1) + index),
    // Something appended.
    fc
      .tuple(real, fc.constantFrom('0', '.0', '=', ' ', '%00', '?max_results=1000', '.', 'A'))
      .map(([cursor, tail]) => cursor + tail),
    // A forged payload with a made-up signature.
    fc
      .tuple(
        fc.record({
          c: fc.oneof(fc.string(), fc.constantFrom('dm_events', '/2/dm_events')),
          m: fc.integer(),
          s: fc.integer(),
          t: fc.string(),
        }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat({ max: 4 }),
      )
      .map(
        ([payload, signature, index]) =>
          `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${Buffer.from(signature).toString('base64url')}.${index}`,
      ),
  );
}

const pageSizeArbitrary = () =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 100 }), weight: 3 },
    fc.integer({ min: -5, max: 105 }),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.constantFrom(0, -1, 101, 2 ** 31 - 1, -(2 ** 31), 1000),
    fc.constant(null),
  );

const eventTypesArbitrary = () =>
  fc.oneof(
    fc.array(fc.constantFrom(...EVENT_TYPES), { maxLength: 6 }), // empty lists and duplicates included
    fc.uniqueArray(fc.constantFrom(...EVENT_TYPES), { minLength: 1 }),
    fc.constantFrom(...EVENT_TYPES), // a single value, coerced to a list
    fc.constant(Array.from({ length: 500 }, (_, i) => EVENT_TYPES[i % 3]!)),
    fc.constant(null),
  );

/** Connection arguments, each left out about half the time. */
function connectionArbitrary() {
  const sometimes = <T>(arb: fc.Arbitrary<T>, present: number, absent: number) =>
    fc.oneof({ arbitrary: arb, weight: present }, { arbitrary: fc.constant(undefined), weight: absent });
  return fc.record({
    first: sometimes(pageSizeArbitrary(), 1, 1),
    after: sometimes(cursorArbitrary(), 1, 1),
    last: sometimes(pageSizeArbitrary(), 1, 3),
    before: sometimes(cursorArbitrary(), 1, 3),
    eventTypes: sometimes(eventTypesArbitrary(), 1, 2),
  });
}

const GLOBAL_TYPES = [
  'DmEvent',
  'User',
  'Tweet',
  'DmConversation',
  'Media',
  'Post',
  'Node',
  'Query',
  'dmevent',
  'user',
  '',
];

function globalIdArbitrary() {
  const ids = idArbitraries();
  const localId = fc.oneof(
    ids.hostile,
    ids.validLooking,
    fc.constantFrom(...demo.conversationIds.map((id) => `c_${id}`), ...demo.userIds.map((id) => `w_${id}`)),
    conversationIdArbitrary().map((id) => `c_${id}`),
    ids.hostile.map((id) => `w_${id}`),
  );
  const typename = fc.oneof({ arbitrary: fc.constantFrom(...GLOBAL_TYPES), weight: 4 }, fc.string({ maxLength: 10 }));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...demo.globalIds), weight: 2 },
    fc
      .tuple(typename, localId, fc.constantFrom<BufferEncoding>('base64', 'base64', 'base64url'))
      .map(([type, id, encoding]) => Buffer.from(`${type}:${id}`).toString(encoding)),
    fc.tuple(typename, localId).map(([type, id]) => `${type}:${id}`),
    ids.hostile,
    fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64')),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Oracles: what the contract says of an argument, when it says something.

type Verdict = 'refuse' | 'accept' | 'unknown';

const combine = (...verdicts: Verdict[]): Verdict =>
  verdicts.includes('refuse') ? 'refuse' : verdicts.every((v) => v === 'accept') ? 'accept' : 'unknown';

function pageSizeVerdict(value: unknown): Verdict {
  if (value === undefined || value === null) return 'accept';
  return (value as number) >= 1 && (value as number) <= 100 ? 'accept' : 'refuse';
}

function cursorVerdict(value: unknown, base: string, eventTypes: unknown): Verdict {
  if (value === undefined || value === null) return 'accept';
  if (value === '') return 'unknown';
  const real = demo.cursors.get(value as string);
  if (!real || real.base !== base) return 'refuse';
  // The event types are part of the connection: a cursor of other types is foreign.
  const types = eventTypes === undefined || eventTypes === null ? undefined : ([eventTypes].flat() as string[]);
  if (JSON.stringify(types) === JSON.stringify(real.eventTypes)) return 'accept';
  const set = (list: string[] | undefined) => [...new Set(list ?? EVENT_TYPES)].sort().join();
  return set(types) === set(real.eventTypes) ? 'unknown' : 'refuse';
}

function connectionVerdict(v: Record<string, unknown>, base: string): Verdict {
  const given = (name: string) => v[name] !== undefined && v[name] !== null;
  const verdicts: Verdict[] = [
    pageSizeVerdict(v.first),
    pageSizeVerdict(v.last),
    cursorVerdict(v.after, base, v.eventTypes),
    cursorVerdict(v.before, base, v.eventTypes),
  ];
  if (given('first') && given('last')) verdicts.push('refuse');
  if (given('after') && given('before')) verdicts.push('refuse');
  if (given('last') && !given('before')) verdicts.push('refuse');
  if (Array.isArray(v.eventTypes) && v.eventTypes.length === 0) verdicts.push('refuse');
  // Mixing directions (first with before, last with after) is the gateway's choice; nothing is asserted of it.
  if ((given('first') || given('after')) && (given('last') || given('before'))) verdicts.push('unknown');
  return combine(...verdicts);
}

const BASE64 = /^(?:[\d+/A-Za-z]{4})*(?:[\d+/A-Za-z]{2}==|[\d+/A-Za-z]{3}=)?$/;

function localIdValid(typename: string, id: string): boolean {
  switch (typename) {
    case 'DmEvent':
    case 'User':
    case 'Tweet':
      return DIGITS_ID.test(id);
    case 'DmConversation':
      return (
        (id.startsWith('c_') && CONVERSATION_ID.test(id.slice(2))) ||
        (id.startsWith('w_') && DIGITS_ID.test(id.slice(2)))
      );
    default:
      return false;
  }
}

/** Global ids are base64 of `Type:id` (the contract's opaque ids; the encoding the gateway issues). */
function globalIdVerdict(value: unknown): Verdict {
  const id = idString(value);
  if (id.length > 256 || !BASE64.test(id)) return 'refuse';
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'refuse';
  return localIdValid(decoded.slice(0, colon), decoded.slice(colon + 1)) ? 'accept' : 'refuse';
}

function verdictOf(field: RootField, v: Record<string, unknown>): Verdict {
  switch (field) {
    case 'dmEvents':
      return connectionVerdict(v, 'dmEvents');
    case 'dmEvent':
      return DIGITS_ID.test(idString(v.eventId)) ? 'accept' : 'refuse';
    case 'dmConversation': {
      const id = idString(v.conversationId);
      return combine(CONVERSATION_ID.test(id) ? 'accept' : 'refuse', connectionVerdict(v, `conversation:${id}`));
    }
    case 'dmConversationWith': {
      const id = idString(v.participantId);
      return combine(DIGITS_ID.test(id) ? 'accept' : 'refuse', connectionVerdict(v, `with:${id}`));
    }
    case 'node':
      return globalIdVerdict(v.id);
    case 'nodes': {
      const ids = [v.ids].flat();
      if (ids.length > 100) return 'refuse';
      return combine(...ids.map(globalIdVerdict));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One operation, and the properties every answer must have.

const describeCall = (call: RecordedRequest) =>
  `${call.status} ${call.path}?${new URLSearchParams(call.query).toString()}`.slice(0, 500);

async function send(field: RootField, variables: Record<string, unknown>) {
  h.sandbox.clearRequests();
  const answer: GraphQLAnswer<any> = await h.query(QUERIES[field], variables);
  return { answer, calls: [...h.calls()] };
}

function checkAnswer(
  field: RootField,
  sent: Record<string, unknown>,
  answer: GraphQLAnswer<any>,
  calls: RecordedRequest[],
) {
  const variables = overTheWire(sent);
  const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
  const context = () =>
    JSON.stringify({ status: answer.status, errors: answer.errors, calls: calls.map(describeCall) }).slice(0, 2000);

  // (a) JSON, with data or errors.
  expect('data' in answer || 'errors' in answer, context()).toBe(true);
  if (answer.errors !== undefined)
    expect(Array.isArray(answer.errors) && answer.errors.length > 0, context()).toBe(true);

  // (b) every error has a contract code.
  for (const code of codes) expect(CONTRACT_CODES, context()).toContain(code);

  // (c) nothing invalid reached X.
  for (const call of calls) expect(call.status, describeCall(call)).toBe(200);

  // (d) BAD_USER_INPUT means no call at all.
  if (codes.includes('BAD_USER_INPUT')) expect(calls.map(describeCall), context()).toEqual([]);

  if (coercionFails(field, variables)) {
    // A variable of the wrong type: a request error, before execution.
    expect(answer.data, context()).toBeUndefined();
    expect(codes.length, context()).toBeGreaterThan(0);
    for (const code of codes) expect(code, context()).toBe('BAD_USER_INPUT');
    expect(answer.status, context()).toBe(400);
    expect(calls, context()).toEqual([]);
    return;
  }

  if (codes.includes('COST_LIMIT_EXCEEDED')) {
    // Refused for its cost before execution (e.g. `nodes` with more events than MAX_UPSTREAM_REQUESTS): no call.
    expect(calls.map(describeCall), context()).toEqual([]);
  } else {
    expect('data' in answer, context()).toBe(true);
  }
  const verdict = verdictOf(field, variables);
  if (verdict === 'refuse')
    expect(
      codes.some((c) => c === 'BAD_USER_INPUT' || c === 'COST_LIMIT_EXCEEDED'),
      context(),
    ).toBe(true);
  if (verdict === 'accept') expect(codes, context()).not.toContain('BAD_USER_INPUT');

  // Whatever came back belongs to the caller.
  const visible = new Set(h.sandbox.visibleEvents(mainUser().id).map((e) => e.id));
  const connection =
    field === 'dmEvents'
      ? answer.data?.dmEvents
      : field === 'dmConversation'
        ? answer.data?.dmConversation?.events
        : field === 'dmConversationWith'
          ? answer.data?.dmConversationWith?.events
          : undefined;
  for (const edge of connection?.edges ?? []) expect(visible.has(edge.node.restId), context()).toBe(true);
}

const run = async (field: RootField, variables: Record<string, unknown>) => {
  const { answer, calls } = await send(field, variables);
  checkAnswer(field, variables, answer, calls);
};

// ---------------------------------------------------------------------------------------------------------------

describe('well-typed hostile arguments', () => {
  it('dmEvents(first, after, last, before, eventTypes)', async () => {
    await fc.assert(
      fc.asyncProperty(connectionArbitrary(), (args) => run('dmEvents', args)),
      { numRuns: 250, seed: 0x5eed01 },
    );
  });

  it('dmEvent(eventId)', async () => {
    const ids = idArbitraries();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(ids.hostile, ids.validLooking, fc.integer(), fc.constantFrom(1e21, 2 ** 53, -(2 ** 53))),
        (eventId) => run('dmEvent', { eventId }),
      ),
      { numRuns: 150, seed: 0x5eed02 },
    );
  });

  it('dmConversation(conversationId) { events(...) }', async () => {
    await fc.assert(
      fc.asyncProperty(conversationIdArbitrary(), connectionArbitrary(), (conversationId, args) =>
        run('dmConversation', { conversationId, ...args }),
      ),
      { numRuns: 200, seed: 0x5eed03 },
    );
  });

  it('dmConversation of the busiest conversation, with its own and foreign cursors', async () => {
    await fc.assert(
      fc.asyncProperty(connectionArbitrary(), (args) =>
        run('dmConversation', { conversationId: demo.busiest, ...args }),
      ),
      { numRuns: 100, seed: 0x5eed07 },
    );
  });

  it('dmConversationWith(participantId) { events(...) }', async () => {
    const ids = idArbitraries();
    const participant = fc.oneof(
      { arbitrary: fc.constant(demo.partner), weight: 3 },
      fc.constantFrom(...demo.userIds),
      ids.hostile,
      ids.validLooking,
      fc.integer({ min: 0 }),
    );
    await fc.assert(
      fc.asyncProperty(participant, connectionArbitrary(), (participantId, args) =>
        run('dmConversationWith', { participantId, ...args }),
      ),
      { numRuns: 200, seed: 0x5eed04 },
    );
  });

  it('node(id)', async () => {
    await fc.assert(
      fc.asyncProperty(globalIdArbitrary(), (id) => run('node', { id })),
      { numRuns: 150, seed: 0x5eed05 },
    );
  });

  it('nodes(ids)', async () => {
    const many = fc.constantFrom(...demo.globalIds).chain((id) => fc.constant(Array.from({ length: 101 }, () => id)));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: fc.array(globalIdArbitrary(), { maxLength: 12 }), weight: 5 }, many, globalIdArbitrary()),
        (ids) => run('nodes', { ids }),
      ),
      { numRuns: 150, seed: 0x5eed06 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------

const wrongInt = () =>
  fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('5', '1', '100', ''),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e300, -1e300, 0.5, 99.9),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
    fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 3 }),
  );

const wrongString = () =>
  fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  );

const wrongId = () =>
  fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  );

const wrongEventTypes = () =>
  fc.oneof(
    fc.constantFrom(
      'message_create',
      'MessageCreate',
      '',
      'X',
      'MESSAGE_CREATE ',
      'PARTICIPANTS_JOIN,PARTICIPANTS_LEAVE',
      'ALL',
    ),
    fc.integer(),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 3 }),
    fc.constant([null]),
    fc
      .tuple(
        fc.array(fc.constantFrom(...EVENT_TYPES), { maxLength: 3 }),
        fc.oneof(fc.string({ maxLength: 15 }), fc.integer(), fc.constant(null)),
      )
      .map(([valid, bad]) => [...valid, bad]),
  );

const wrongIds = () =>
  fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.constant([null]),
    fc.array(
      wrongId().filter((v) => v !== undefined),
      { minLength: 1, maxLength: 3 },
    ),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );

const WRONG: Record<VariableType, () => fc.Arbitrary<unknown>> = {
  Int: wrongInt,
  String: wrongString,
  'ID!': wrongId,
  '[DmEventType!]': wrongEventTypes,
  '[ID!]!': wrongIds,
};

/** Valid values, so that the one wrong variable is the only problem. */
function validVariables(field: RootField): Record<string, unknown> {
  switch (field) {
    case 'dmEvents':
      return { first: 5 };
    case 'dmEvent':
      return { eventId: demo.eventIds[0] };
    case 'dmConversation':
      return { conversationId: demo.busiest, first: 5 };
    case 'dmConversationWith':
      return { participantId: demo.partner, first: 5 };
    case 'node':
      return { id: demo.globalIds[0] };
    case 'nodes':
      return { ids: demo.globalIds.slice(0, 2) };
  }
}

describe('variables of the wrong JSON type', () => {
  // The gateway's log is not what is tested here; keep the output readable.
  let quiet: { mockRestore(): void } | undefined;
  beforeEach(() => {
    quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => quiet?.mockRestore());

  it('fail as variable coercion: BAD_USER_INPUT, no data, no call, on every root field', async () => {
    const slots = (Object.keys(QUERIES) as RootField[]).flatMap((field) =>
      Object.entries(VARIABLE_TYPES[field]).map(([name, type]) => ({ field, name, type })),
    );
    const wrong = fc.constantFrom(...slots).chain((slot) => WRONG[slot.type]().map((value) => ({ ...slot, value })));
    await fc.assert(
      fc.asyncProperty(wrong, async ({ field, name, value }) => {
        const variables = { ...validVariables(field), [name]: value };
        fc.pre(coercionFails(field, overTheWire(variables)));
        await run(field, variables);
      }),
      { numRuns: 200, seed: 0x5eed08 },
    );
  });
});

describe("hostile input is the client's fault, not the gateway's", () => {
  it('a refused argument is not logged as an error of the gateway', async () => {
    // gateway.ts: "only what went wrong inside the gateway is logged as an error".
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await run('dmEvents', { first: 'ten' });
      await run('dmEvent', { eventId: null });
      await run('dmEvent', { eventId: '../1' });
      await run('dmEvents', { first: 0 });
      expect(logged.mock.calls.map((args) => String(args[0]).slice(0, 200))).toEqual([]);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('a cursor issued to another user', () => {
  it('is refused as BAD_USER_INPUT before X is asked (X would answer 400 to its page token)', async () => {
    // Same connection name, another caller: the cursor is not this caller's, and X rejects a page token issued to
    // someone else. The contract: foreign cursors are BAD_USER_INPUT and no upstream call is made.
    const other = h.sandbox.users[5]!;
    const theirs = await h.query(QUERIES.dmEvents, { first: 5 }, other.token);
    const cursor: string = theirs.data.dmEvents.edges[4].cursor;
    const { answer, calls } = await send('dmEvents', { first: 5, after: cursor });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(calls.map(describeCall)).toEqual([]);
  });
});
