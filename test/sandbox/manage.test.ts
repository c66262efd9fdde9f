/**
 * X's four DM manage endpoints on the sandbox, over real HTTP (fetch to 127.0.0.1), in both dialects: sends to a
 * participant and to a conversation, new groups, deletes; every refusal (400 body and path problems, 403, 404, 413);
 * the write budgets apart from the read budget; after-write faults (the write happened although its answer failed).
 * Every 201/200 answer and every problem is validated with ajv against spec 2.167 (the only spec with these
 * endpoints; the tweets dialect's problem URLs are on api.twitter.com and checked against 2.167 with the host moved).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DemoUser, Sandbox } from '../../src/sandbox/index.js';
import { DIALECT_NAMES, dialectOf, type DialectName } from '../../src/x/dialect.js';
import type { DmEvent } from '../../src/x/wire.js';
import { startSandbox, withQuery, type Query } from './helpers.js';

const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ??
  formatsModule) as FormatsPlugin;

const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../spec/x-openapi-2.167-dm.json', import.meta.url)), 'utf8'),
);
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'x');
const schemaCache = new Map<string, ValidateFunction>();
function schema(ref: string): ValidateFunction {
  let fn = schemaCache.get(ref);
  if (!fn) {
    fn = ajv.getSchema(`x${ref}`);
    if (!fn) throw new Error(`no schema ${ref}`);
    schemaCache.set(ref, fn);
  }
  return fn;
}
const PROBLEM_MAP = spec.components.schemas.Problem.discriminator.mapping as Record<string, string>;

const TEMPLATES = {
  participant: ['/2/dm_conversations/with/{participant_id}/messages', 'post', '201'],
  conversation: ['/2/dm_conversations/{dm_conversation_id}/messages', 'post', '201'],
  group: ['/2/dm_conversations', 'post', '201'],
  delete: ['/2/dm_events/{event_id}', 'delete', '200'],
} as const;
type Template = keyof typeof TEMPLATES;

function expectValid(fn: ValidateFunction, name: string, body: unknown): void {
  fn(body);
  expect(fn.errors ?? [], `${name}: ${ajv.errorsText(fn.errors)}`).toEqual([]);
}

/** A request body as 2.167 sees it (the sandbox adds X's documented limits on top, see `extrasOk`). */
function requestValid(template: Exclude<Template, 'delete'>, body: unknown): boolean {
  const [path, method] = TEMPLATES[template];
  const fn = schema(spec.paths[path][method].requestBody.content['application/json'].schema.$ref);
  return fn(body);
}

interface Reply<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** Validates an answer against the spec's response for `template`: the success schema or its problem schema. */
function validateAnswer(dialect: DialectName, template: Template, answer: Reply): void {
  const [path, method, success] = TEMPLATES[template];
  const responses = spec.paths[path][method].responses;
  if (answer.status === Number(success)) {
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expectValid(
      schema(responses[success].content['application/json'].schema.$ref),
      `${template} ${success}`,
      answer.body,
    );
    return;
  }
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  const base = dialectOf(dialect).problemType('');
  expect(answer.body.type.startsWith(base), `${answer.body.type} is on ${base}`).toBe(true);
  expect(answer.body.status ?? answer.status).toBe(answer.status);
  // The tweets dialect's URLs are 2.159's host; 2.167's schemas list api.x.com.
  const problem = { ...answer.body, type: 'https://api.x.com/2/problems/' + answer.body.type.slice(base.length) };
  expectValid(schema(responses.default.content['application/problem+json'].schema.$ref), 'Problem', problem);
  const mapped = PROBLEM_MAP[problem.type];
  expect(mapped, `unknown problem type ${problem.type}`).toBeDefined();
  expectValid(schema(mapped!), mapped!, problem);
}

/** One call over real HTTP. `body` is sent as JSON unless it is a string (sent as is). */
async function call<T = any>(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: {
    body?: unknown;
    token?: string | null;
    headers?: Record<string, string>;
    query?: Query;
    signal?: AbortSignal;
  } = {},
): Promise<Reply<T>> {
  const token = options.token === undefined ? sandbox.users[0]!.token : options.token;
  const headers: Record<string, string> = {
    ...(token !== null && { authorization: `Bearer ${token}` }),
    ...(options.body !== undefined && { 'content-type': 'application/json' }),
    ...options.headers,
  };
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const res = await fetch(sandbox.url + withQuery(path, options.query), {
    method,
    headers,
    body,
    signal: options.signal,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

const pairId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`);

/** The fields that show who sent an event, with which media, where: 2.167 gives `sender_id` only with its expansion. */
function eventQuery(dialect: DialectName): Query {
  return dialect === 'posts'
    ? {
        'dm_event.fields': 'attachments,created_at,dm_conversation_id',
        expansions: 'sender_id,attachments.media_keys',
        'media.fields': 'url,width,height',
      }
    : {
        'dm_event.fields': 'attachments,created_at,dm_conversation_id,sender_id',
        expansions: 'sender_id,attachments.media_keys',
        'media.fields': 'url,width,height',
      };
}

describe.each(DIALECT_NAMES)('DM manage endpoints (%s dialect)', (dialect) => {
  let sandbox: Sandbox;
  let main: DemoUser;
  let userById: Map<string, DemoUser>;
  const problemType = (name: string) => dialectOf(dialect).problemType(name);
  beforeAll(async () => {
    sandbox = await startSandbox({ dialect });
    main = sandbox.users[0]!;
    userById = new Map(sandbox.users.map((u) => [u.id, u]));
  });
  beforeEach(() => {
    sandbox.clearFaults();
    sandbox.setRateLimit(100_000, 900_000);
  });
  afterAll(() => sandbox.close());

  const post = (path: string, body: unknown, token?: string) => call(sandbox, 'POST', path, { body, token });
  const sendTo = (participantId: string, body: unknown, token?: string) =>
    post(`/2/dm_conversations/with/${participantId}/messages`, body, token);
  const sendIn = (conversationId: string, body: unknown, token?: string) =>
    post(`/2/dm_conversations/${conversationId}/messages`, body, token);
  const newGroup = (participantIds: unknown, message: unknown, token?: string) =>
    post('/2/dm_conversations', { conversation_type: 'Group', participant_ids: participantIds, message }, token);
  const remove = (eventId: string, token?: string) => call(sandbox, 'DELETE', `/2/dm_events/${eventId}`, { token });

  /** Someone the main user has no one-to-one conversation with yet (a fresh one each call). */
  const strangers = new Set<string>();
  function stranger(of: DemoUser = main): DemoUser {
    const found = sandbox.users.find(
      (u) =>
        u.id !== of.id &&
        !strangers.has(u.id) &&
        !sandbox.data.conversations.some(
          (c) => !c.group && c.participantIds.includes(u.id) && c.participantIds.includes(of.id),
        ),
    );
    if (!found) throw new Error('no stranger left');
    strangers.add(found.id);
    return found;
  }

  /** What `user` sees of `eventId`: by id, first page of the feed, first page of its conversation. */
  async function views(user: DemoUser, eventId: string, conversationId: string) {
    const query = eventQuery(dialect);
    const byId = await call(sandbox, 'GET', `/2/dm_events/${eventId}`, { token: user.token, query });
    const feed = await call(sandbox, 'GET', '/2/dm_events', {
      token: user.token,
      query: { ...query, max_results: 10 },
    });
    const conversation = await call(sandbox, 'GET', `/2/dm_conversations/${conversationId}/dm_events`, {
      token: user.token,
      query: { max_results: 10 },
    });
    for (const answer of [byId, feed, conversation]) expect(answer.status).toBe(200);
    return {
      byId: byId.body.data as DmEvent | undefined,
      byIdErrors: byId.body.errors as { type: string; resource_id: string }[] | undefined,
      includes: byId.body.includes,
      inFeed: (feed.body.data ?? []).some((e: DmEvent) => e.id === eventId),
      inConversation: (conversation.body.data ?? []).some((e: DmEvent) => e.id === eventId),
      feedFirst: feed.body.data?.[0]?.id as string | undefined,
    };
  }

  async function expectSeenBy(members: readonly DemoUser[], eventId: string, conversationId: string): Promise<void> {
    for (const member of members) {
      const seen = await views(member, eventId, conversationId);
      expect(seen.byId?.id, `@${member.username} sees ${eventId} by id`).toBe(eventId);
      expect(seen.feedFirst, `@${member.username}'s feed starts with it`).toBe(eventId);
      expect(seen.inConversation).toBe(true);
      expect(sandbox.visibleEvents(member.id)[0]!.id).toBe(eventId);
    }
  }

  async function expectHiddenFrom(others: readonly DemoUser[], eventId: string, conversationId: string): Promise<void> {
    for (const other of others) {
      const seen = await views(other, eventId, conversationId);
      expect(seen.byId, `@${other.username} does not see ${eventId}`).toBeUndefined();
      expect(seen.byIdErrors).toEqual([
        expect.objectContaining({ type: problemType('resource-not-found'), resource_id: eventId }),
      ]);
      expect(seen.inFeed).toBe(false);
      expect(seen.inConversation).toBe(false);
      expect(sandbox.visibleEvents(other.id).some((e) => e.id === eventId)).toBe(false);
    }
  }

  const maxEventId = () => sandbox.data.events.reduce((max, e) => (BigInt(e.id) > max ? BigInt(e.id) : max), 0n);

  describe('POST /2/dm_conversations/with/{participant_id}/messages', () => {
    it('sends in the existing one-to-one conversation: 201 with its ids, seen at once by both and by no one else', async () => {
      const other = sandbox.users[2]!;
      const conversationId = pairId(main.id, other.id);
      expect(sandbox.data.conversations.some((c) => c.id === conversationId)).toBe(true);
      const conversations = sandbox.data.conversations.length;
      const before = maxEventId();
      const sentBefore = sandbox.sent.length;
      const started = Math.floor(Date.now() / 1000) * 1000;
      const answer = await sendTo(other.id, { text: 'Hello from the manage endpoint 👋' });
      expect(answer.status).toBe(201);
      validateAnswer(dialect, 'participant', answer);
      const { dm_conversation_id, dm_event_id } = answer.body.data;
      expect(answer.body).toEqual({
        data: { dm_conversation_id: conversationId, dm_event_id: expect.stringMatching(/^\d{19}$/) },
      });
      expect(BigInt(dm_event_id)).toBeGreaterThan(before);
      expect(sandbox.data.conversations).toHaveLength(conversations);
      expect(sandbox.sent.slice(sentBefore).map((e) => e.id)).toEqual([dm_event_id]);
      // Rate-limit headers of the write family.
      expect(answer.headers.get('x-rate-limit-limit')).toBe('100000');
      expect(answer.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);

      await expectSeenBy([main, other], dm_event_id, dm_conversation_id);
      await expectHiddenFrom([sandbox.users[3]!, sandbox.users[20]!], dm_event_id, dm_conversation_id);
      const seen = await views(other, dm_event_id, dm_conversation_id);
      expect(seen.byId).toMatchObject({
        id: dm_event_id,
        event_type: 'MessageCreate',
        text: 'Hello from the manage endpoint 👋',
        sender_id: main.id,
        dm_conversation_id: conversationId,
      });
      expect(Date.parse(seen.byId!.created_at!)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(seen.byId!.created_at!)).toBeLessThanOrEqual(Date.now());
      expect(seen.byId!.created_at).toMatch(/:\d\d\.000Z$/);
      expect(seen.includes.users).toEqual([expect.objectContaining({ id: main.id, username: main.username })]);
      // The participant endpoint reads it too.
      const withOther = await call(sandbox, 'GET', `/2/dm_conversations/with/${other.id}/dm_events`, {
        query: { max_results: 1 },
      });
      expect(withOther.body.data[0].id).toBe(dm_event_id);
    });

    it('opens the conversation with someone new: the data learns it ({smaller}-{larger}), both see it', async () => {
      const other = stranger();
      const conversationId = pairId(main.id, other.id);
      expect(sandbox.data.conversations.some((c) => c.id === conversationId)).toBe(false);
      const answer = await sendTo(other.id, { text: 'first contact' });
      expect(answer.status).toBe(201);
      validateAnswer(dialect, 'participant', answer);
      expect(answer.body.data.dm_conversation_id).toBe(conversationId);
      expect(sandbox.data.conversations.find((c) => c.id === conversationId)).toEqual({
        id: conversationId,
        participantIds: [main.id, other.id],
        group: false,
      });
      await expectSeenBy([main, other], answer.body.data.dm_event_id, conversationId);
      await expectHiddenFrom([sandbox.users[1]!], answer.body.data.dm_event_id, conversationId);
      // The other side answers in the same conversation, through either endpoint.
      const reply = await sendTo(main.id, { text: 'hi back' }, other.token);
      expect(reply.body.data.dm_conversation_id).toBe(conversationId);
      const again = await sendIn(conversationId, { text: 'and again' }, other.token);
      expect(again.status).toBe(201);
      expect(sandbox.visibleEvents(main.id, conversationId).map((e) => e.text)).toEqual([
        'and again',
        'hi back',
        'first contact',
      ]);
      expect(sandbox.data.conversations.filter((c) => c.id === conversationId)).toHaveLength(1);
    });

    it('attaches media: key 3_<media_id>, a photo in includes.media; a demo media id keeps its own key and type', async () => {
      const other = sandbox.users[4]!;
      const answer = await sendTo(other.id, { text: 'look', attachments: [{ media_id: '1146654567674912769' }] });
      expect(answer.status).toBe(201);
      const seen = await views(other, answer.body.data.dm_event_id, answer.body.data.dm_conversation_id);
      expect(seen.byId!.attachments).toEqual({ media_keys: ['3_1146654567674912769'] });
      expect(seen.includes.media).toEqual([
        {
          media_key: '3_1146654567674912769',
          type: 'photo',
          url: expect.stringMatching(/^https:\/\//),
          width: 1200,
          height: 800,
        },
      ]);
      expect(sandbox.data.media.filter((m) => m.media_key === '3_1146654567674912769')).toHaveLength(1);

      const video = sandbox.data.media.find((m) => m.type === 'video')!;
      const mediaId = video.media_key!.split('_')[1]!;
      const attachmentOnly = await sendTo(other.id, { attachments: [{ media_id: mediaId }] });
      expect(attachmentOnly.status).toBe(201);
      const event = (
        await views(main, attachmentOnly.body.data.dm_event_id, attachmentOnly.body.data.dm_conversation_id)
      ).byId!;
      expect(event.attachments).toEqual({ media_keys: [video.media_key] });
      // A message with only an attachment has an empty text.
      expect(event.text).toBe('');
      // Same media id again: the same media, not a second one.
      await sendTo(other.id, { text: 'again', attachments: [{ media_id: '1146654567674912769' }] });
      expect(sandbox.data.media.filter((m) => m.media_key === '3_1146654567674912769')).toHaveLength(1);
    });

    it('accepts 10,000 characters counted as code points (emoji count once), and an empty attachments list beside text', async () => {
      const other = sandbox.users[5]!;
      const emoji = '😀'.repeat(10_000);
      const long = await sendTo(other.id, { text: emoji });
      expect(long.status).toBe(201);
      expect(sandbox.data.events.find((e) => e.id === long.body.data.dm_event_id)!.text).toBe(emoji);
      expect((await sendTo(other.id, { text: 'x', attachments: [] })).status).toBe(201);
    });
  });

  describe('POST /2/dm_conversations/{dm_conversation_id}/messages', () => {
    it('sends in a group the user is in: every member sees it, the member who left and outsiders do not', async () => {
      const group = sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(main.id))!;
      const leave = sandbox.visibleEvents(main.id, group.id).find((e) => e.event_type === 'ParticipantsLeave')!;
      const leaver = userById.get(leave.participant_ids![0]!)!;
      const member = userById.get(group.participantIds.find((id) => id !== main.id)!)!;
      const answer = await sendIn(group.id, { text: 'to the whole group' }, member.token);
      expect(answer.status).toBe(201);
      validateAnswer(dialect, 'conversation', answer);
      expect(answer.body.data.dm_conversation_id).toBe(group.id);
      const members = group.participantIds.map((id) => userById.get(id)!);
      await expectSeenBy(members, answer.body.data.dm_event_id, group.id);
      const outsiders = sandbox.users.filter((u) => !group.participantIds.includes(u.id)).slice(0, 3);
      await expectHiddenFrom([leaver, ...outsiders], answer.body.data.dm_event_id, group.id);
      expect((await views(member, answer.body.data.dm_event_id, group.id)).byId!.sender_id).toBe(member.id);
    });

    it('sends in a one-to-one conversation by its id, and opens one not in the data yet when the id names the user', async () => {
      const other = sandbox.users[6]!;
      const existing = pairId(main.id, other.id);
      const answer = await sendIn(existing, { text: 'by conversation id' });
      expect(answer.status).toBe(201);
      expect(answer.body.data.dm_conversation_id).toBe(existing);
      await expectSeenBy([main, other], answer.body.data.dm_event_id, existing);

      const fresh = stranger();
      const id = pairId(main.id, fresh.id);
      const opened = await sendIn(id, { text: 'opened by id' });
      expect(opened.status).toBe(201);
      expect(sandbox.data.conversations.find((c) => c.id === id)).toEqual({
        id,
        participantIds: [main.id, fresh.id],
        group: false,
      });
      await expectSeenBy([main, fresh], opened.body.data.dm_event_id, id);
    });
  });

  describe('POST /2/dm_conversations', () => {
    it('starts a new group (new 19-digit id) with the message as its first event, seen by every member only', async () => {
      const others = [sandbox.users[7]!, sandbox.users[19]!, sandbox.users[22]!];
      const ids = new Set(sandbox.data.conversations.map((c) => c.id));
      const body = {
        conversation_type: 'Group',
        participant_ids: others.map((u) => u.id),
        message: { text: 'new group!' },
      };
      expect(requestValid('group', body)).toBe(true);
      const answer = await post('/2/dm_conversations', body);
      expect(answer.status).toBe(201);
      validateAnswer(dialect, 'group', answer);
      const { dm_conversation_id: groupId, dm_event_id: eventId } = answer.body.data;
      expect(groupId).toMatch(/^[1-9]\d{18}$/);
      expect(ids.has(groupId)).toBe(false);
      expect(sandbox.data.conversations.at(-1)).toEqual({
        id: groupId,
        participantIds: [main.id, ...others.map((u) => u.id)],
        group: true,
      });
      await expectSeenBy([main, ...others], eventId, groupId);
      await expectHiddenFrom([sandbox.users[1]!, sandbox.users[8]!], eventId, groupId);
      const conversation = await call(sandbox, 'GET', `/2/dm_conversations/${groupId}/dm_events`, {
        token: others[1]!.token,
      });
      expect(conversation.body.data.map((e: DmEvent) => e.id)).toEqual([eventId]);

      // Members write in it; the same participants again make another group.
      const reply = await sendIn(groupId, { text: 'hello group' }, others[2]!.token);
      expect(reply.status).toBe(201);
      await expectSeenBy([main, ...others], reply.body.data.dm_event_id, groupId);
      const second = await post('/2/dm_conversations', body);
      expect(second.status).toBe(201);
      expect(second.body.data.dm_conversation_id).not.toBe(groupId);
      expect(
        sandbox.data.conversations.filter(
          (c) => c.group && c.participantIds.join() === [main.id, ...others.map((u) => u.id)].join(),
        ),
      ).toHaveLength(2);
    });

    it('takes every other demo user (23) and a message with only an attachment', async () => {
      const others = sandbox.users.slice(1).map((u) => u.id);
      const answer = await newGroup(others, { attachments: [{ media_id: '77' }] });
      expect(answer.status).toBe(201);
      const event = sandbox.data.events.find((e) => e.id === answer.body.data.dm_event_id)!;
      expect(event.attachments).toEqual({ media_keys: ['3_77'] });
      await expectSeenBy([sandbox.users[23]!], event.id, answer.body.data.dm_conversation_id);
    });
  });

  describe('DELETE /2/dm_events/{event_id}', () => {
    it("deletes the caller's own message: 200 deleted, gone from every member's lookups, then 404", async () => {
      const other = sandbox.users[3]!;
      const sent = await sendTo(other.id, { text: 'to be deleted' });
      const { dm_event_id: eventId, dm_conversation_id: conversationId } = sent.body.data;
      await expectSeenBy([main, other], eventId, conversationId);
      const deletedBefore = sandbox.deleted.length;
      const answer = await remove(eventId);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: { deleted: true } });
      validateAnswer(dialect, 'delete', answer);
      expect(sandbox.deleted.slice(deletedBefore).map((e) => e.id)).toEqual([eventId]);
      await expectHiddenFrom([main, other], eventId, conversationId);
      expect(sandbox.data.events.some((e) => e.id === eventId)).toBe(false);
      // Still listed among the sends: it was sent once.
      expect(sandbox.sent.filter((e) => e.id === eventId)).toHaveLength(1);

      const again = await remove(eventId);
      expect(again.status).toBe(404);
      validateAnswer(dialect, 'delete', again);
      expect(again.body).toEqual({
        title: 'Not Found Error',
        type: problemType('resource-not-found'),
        status: 404,
        detail: `Could not find dm_event with id: [${eventId}].`,
        resource_type: 'dm_event',
        resource_id: eventId,
        parameter: 'event_id',
        value: eventId,
      });
      // A new send never reuses the deleted id.
      const next = await sendTo(other.id, { text: 'after the delete' });
      expect(BigInt(next.body.data.dm_event_id)).toBeGreaterThan(BigInt(eventId));
    });

    it("refuses someone else's message with 403 (it stays), and answers an event the caller cannot see as missing", async () => {
      const theirs = sandbox
        .visibleEvents(main.id)
        .find((e) => e.event_type === 'MessageCreate' && e.sender_id !== main.id)!;
      const answer = await remove(theirs.id);
      expect(answer.status).toBe(403);
      validateAnswer(dialect, 'delete', answer);
      expect(answer.body).toMatchObject({
        title: 'Forbidden',
        type: problemType('not-authorized-for-resource'),
        status: 403,
        resource_type: 'dm_event',
        resource_id: theirs.id,
        parameter: 'event_id',
        value: theirs.id,
      });
      expect(sandbox.visibleEvents(main.id)).toContain(theirs);
      // The author may delete it.
      const author = userById.get(theirs.sender_id!)!;
      expect((await remove(theirs.id, author.token)).status).toBe(200);
      expect(sandbox.visibleEvents(main.id)).not.toContain(theirs);

      const hidden = sandbox.data.events.find(
        (e) => e.event_type === 'MessageCreate' && !sandbox.visibleEvents(main.id).includes(e),
      )!;
      const notMine = await remove(hidden.id);
      const missing = await remove('1000000000000000001');
      expect(notMine.status).toBe(404);
      expect(notMine.text).toBe(missing.text.replaceAll('1000000000000000001', hidden.id));
      expect(sandbox.data.events).toContain(hidden);
    });

    it('refuses membership events, even those the caller made (403)', async () => {
      const join = sandbox
        .visibleEvents(main.id)
        .find((e) => e.event_type === 'ParticipantsJoin' && e.sender_id === main.id)!;
      expect(join).toBeDefined();
      const answer = await remove(join.id);
      expect(answer.status).toBe(403);
      validateAnswer(dialect, 'delete', answer);
      expect(sandbox.visibleEvents(main.id)).toContain(join);
    });

    it('refuses a malformed event id with 400 (path pattern)', async () => {
      const answer = await remove('abc');
      expect(answer.status).toBe(400);
      validateAnswer(dialect, 'delete', answer);
      expect(answer.body.errors).toEqual([
        { parameters: { event_id: ['abc'] }, message: 'The `event_id` query parameter value [abc] is not valid' },
      ]);
    });
  });

  describe('403: conversations the user is not in', () => {
    it.each([
      [
        "another pair's one-to-one conversation",
        (s: Sandbox) => s.data.conversations.find((c) => !c.group && !c.participantIds.includes(s.users[0]!.id))!.id,
      ],
      [
        'a group the user is not in',
        (s: Sandbox) => s.data.conversations.find((c) => c.group && !c.participantIds.includes(s.users[0]!.id))!.id,
      ],
      ['a conversation that does not exist', () => '1234567890123456789'],
      ['an id that is no conversation id', () => 'abc'],
      [
        'a one-to-one id of the user written larger first',
        (s: Sandbox) => {
          const [a, b] = pairId(s.users[0]!.id, s.users[9]!.id).split('-');
          return `${b}-${a}`;
        },
      ],
      ['a one-to-one id naming someone who is not a user', (s: Sandbox) => pairId(s.users[0]!.id, '42')],
    ])('refuses %s', async (_, idOf) => {
      const id = idOf(sandbox);
      const sent = sandbox.sent.length;
      const conversations = sandbox.data.conversations.length;
      const answer = await sendIn(id, { text: 'let me in' });
      expect(answer.status).toBe(403);
      validateAnswer(dialect, 'conversation', answer);
      expect(answer.body).toEqual({
        title: 'Forbidden',
        type: problemType('not-authorized-for-resource'),
        status: 403,
        detail: `Sorry, you are not authorized to send messages to the dm_conversation with dm_conversation_id: [${id}].`,
        resource_type: 'dm_conversation',
        resource_id: id,
        parameter: 'dm_conversation_id',
        value: id,
      });
      expect(sandbox.sent).toHaveLength(sent);
      expect(sandbox.data.conversations).toHaveLength(conversations);
    });

    it('refuses a group member who left', async () => {
      const group = sandbox.data.conversations.find((c) => c.group && c.participantIds.includes(main.id))!;
      const leave = sandbox.visibleEvents(main.id, group.id).find((e) => e.event_type === 'ParticipantsLeave')!;
      const leaver = userById.get(leave.participant_ids![0]!)!;
      expect((await sendIn(group.id, { text: 'back?' }, leaver.token)).status).toBe(403);
    });
  });

  describe('400: bodies and paths X refuses', () => {
    const text = 'hello';
    const participantCases: [string, unknown, string][] = [
      ['neither text nor attachments', {}, 'text'],
      ['an empty attachments list and no text', { attachments: [] }, 'text'],
      ['an empty text', { text: '' }, 'text'],
      ['10,001 characters', { text: 'x'.repeat(10_001) }, 'text'],
      ['10,001 emoji', { text: '🎉'.repeat(10_001) }, 'text'],
      ['a text that is not a string', { text: 5 }, 'text'],
      ['a null text', { text: null }, 'text'],
      ['an unknown property', { text, foo: 'bar' }, 'foo'],
      ['a 2.159-looking property', { text, media_ids: ['1'] }, 'media_ids'],
      ['two attachments', { text, attachments: [{ media_id: '1' }, { media_id: '2' }] }, 'attachments'],
      ['attachments that are not a list', { text, attachments: { media_id: '1' } }, 'attachments'],
      ['an attachment without media_id', { text, attachments: [{}] }, 'attachments[0].media_id'],
      ['an attachment that is not an object', { text, attachments: ['1'] }, 'attachments[0]'],
      ['a media_id that is a number', { text, attachments: [{ media_id: 1 }] }, 'attachments[0].media_id'],
      ['a media_id that is not digits', { text, attachments: [{ media_id: 'abc' }] }, 'attachments[0].media_id'],
      [
        'a media_id of 20 digits',
        { text, attachments: [{ media_id: '12345678901234567890' }] },
        'attachments[0].media_id',
      ],
      ['an empty media_id', { text, attachments: [{ media_id: '' }] }, 'attachments[0].media_id'],
      [
        'an attachment with an unknown property',
        { text, attachments: [{ media_id: '1', media_key: '3_1' }] },
        'attachments[0].media_key',
      ],
      ['a body that is a list', [{ text }], ''],
      ['a body that is a string', JSON.stringify(text), ''],
      ['a body that is null', 'null', ''],
      ['a body that is not JSON', '{"text": "hello"', ''],
      ['an empty body', '', ''],
    ];

    it.each(participantCases)('send to a participant: %s', async (_, body, parameter) => {
      const other = sandbox.users[2]!;
      const sent = sandbox.sent.length;
      const feed = sandbox.visibleEvents(main.id)[0];
      const answer = await call(sandbox, 'POST', `/2/dm_conversations/with/${other.id}/messages`, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status, answer.text).toBe(400);
      validateAnswer(dialect, 'participant', answer);
      expect(answer.body).toMatchObject({
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: problemType('invalid-request'),
      });
      const names = answer.body.errors.flatMap((e: { parameters: object }) => Object.keys(e.parameters));
      if (parameter) expect(names).toContain(parameter);
      else expect(answer.body.errors).toEqual([{ parameters: {}, message: expect.any(String) }]);
      for (const error of answer.body.errors) {
        expect(error.message).toEqual(expect.any(String));
        for (const values of Object.values(error.parameters))
          expect((values as unknown[]).every((v) => typeof v === 'string')).toBe(true);
      }
      // Nothing happened.
      expect(sandbox.sent).toHaveLength(sent);
      expect(sandbox.visibleEvents(main.id)[0]).toBe(feed);
      // The same bodies are refused by the conversation endpoint.
      const inConversation = await call(sandbox, 'POST', `/2/dm_conversations/${pairId(main.id, other.id)}/messages`, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      expect(inConversation.status).toBe(400);
      expect(inConversation.body.errors).toEqual(answer.body.errors);
    });

    it('lists every problem of a body at once, in X words', async () => {
      const answer = await sendTo(sandbox.users[2]!.id, {
        text: '',
        attachments: [{ media_id: 'x', alt: 1 }, {}],
        extra: true,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        { parameters: { extra: ['true'] }, message: 'The body property [extra] is not one of [attachments,text]' },
        {
          parameters: { text: [''] },
          message: 'The `text` body property must be between 1 and 10000 characters long; it is 0',
        },
        {
          parameters: { attachments: ['{"media_id":"x","alt":1}', '{}'] },
          message: 'The number of values in the `attachments` body property [2] is not between 0 and 1',
        },
        {
          parameters: { 'attachments[0].alt': ['1'] },
          message: 'The body property [attachments[0].alt] is not one of [media_id]',
        },
        {
          parameters: { 'attachments[0].media_id': ['x'] },
          message: 'The `attachments[0].media_id` body property value [x] is not valid',
        },
        {
          parameters: { 'attachments[1].media_id': [] },
          message: 'The `attachments[1].media_id` body property is required',
        },
      ]);
    });

    it("refuses a body sent without content-type application/json, in X's words", async () => {
      for (const headers of [
        { 'content-type': 'text/plain' },
        { 'content-type': 'application/x-www-form-urlencoded' },
      ]) {
        const answer = await call(sandbox, 'POST', `/2/dm_conversations/with/${sandbox.users[2]!.id}/messages`, {
          body: '{"text":"hi"}',
          headers,
        });
        expect(answer.status).toBe(400);
        validateAnswer(dialect, 'participant', answer);
        expect(answer.body.errors).toEqual([
          { parameters: {}, message: 'Requests with bodies must have content-type of application/json.' },
        ]);
      }
      const charset = await call(sandbox, 'POST', `/2/dm_conversations/with/${sandbox.users[2]!.id}/messages`, {
        body: '{"text":"hi"}',
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      });
      expect(charset.status).toBe(201);
    });

    it.each([
      ['a participant id that is not digits', 'abc', 'The `participant_id` query parameter value [abc] is not valid'],
      [
        'a participant id of 20 digits',
        '12345678901234567890',
        'The `participant_id` query parameter value [12345678901234567890] is not valid',
      ],
      ['a participant who is not a user', '42', 'The `participant_id` path parameter value [42] is not a known user'],
    ])('send to a participant: %s', async (_, id, message) => {
      const answer = await sendTo(id, { text: 'hi' });
      expect(answer.status).toBe(400);
      validateAnswer(dialect, 'participant', answer);
      expect(answer.body.errors).toEqual([{ parameters: { participant_id: [id] }, message }]);
      expect(sandbox.data.conversations.some((c) => c.participantIds.includes(id))).toBe(false);
    });

    it('send to a participant: the user themself', async () => {
      const answer = await sendTo(main.id, { text: 'note to self' });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        {
          parameters: { participant_id: [main.id] },
          message: `The \`participant_id\` path parameter value [${main.id}] is the authenticated user`,
        },
      ]);
    });

    it('refuses unknown query parameters on a write, with the body problems', async () => {
      const answer = await call(sandbox, 'POST', `/2/dm_conversations/with/${sandbox.users[2]!.id}/messages`, {
        body: { text: '' },
        query: { 'dm_event.fields': 'id' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([
        {
          parameters: { 'dm_event.fields': ['id'] },
          message: 'The query parameter [dm_event.fields] is not one of [participant_id]',
        },
        expect.objectContaining({ parameters: { text: [''] } }),
      ]);
    });

    const groupCases: [string, (ids: string[]) => unknown, string, string?][] = [
      ['no conversation_type', (ids) => ({ participant_ids: ids, message: { text: 'x' } }), 'conversation_type'],
      [
        'conversation_type OneToOne',
        (ids) => ({ conversation_type: 'OneToOne', participant_ids: ids, message: { text: 'x' } }),
        'conversation_type',
      ],
      [
        'conversation_type group (case)',
        (ids) => ({ conversation_type: 'group', participant_ids: ids, message: { text: 'x' } }),
        'conversation_type',
      ],
      ['no participant_ids', () => ({ conversation_type: 'Group', message: { text: 'x' } }), 'participant_ids'],
      [
        'participant_ids not a list',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.join(','), message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        'one participant',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 1), message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        'no participants',
        () => ({ conversation_type: 'Group', participant_ids: [], message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        '50 participants',
        () => ({
          conversation_type: 'Group',
          participant_ids: Array.from({ length: 50 }, (_, i) => String(1000 + i)),
          message: { text: 'x' },
        }),
        'participant_ids',
      ],
      [
        'a repeated participant',
        (ids) => ({ conversation_type: 'Group', participant_ids: [ids[0], ids[1], ids[0]], message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        'a participant id that is not digits',
        (ids) => ({ conversation_type: 'Group', participant_ids: [ids[0], '@someone'], message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        'a participant id that is a number',
        (ids) => ({ conversation_type: 'Group', participant_ids: [ids[0], 12345], message: { text: 'x' } }),
        'participant_ids',
      ],
      [
        'a participant who is not a user',
        (ids) => ({ conversation_type: 'Group', participant_ids: [ids[0], '42'], message: { text: 'x' } }),
        'participant_ids',
        'is not a known user',
      ],
      [
        'the caller among the participants',
        (ids) => ({ conversation_type: 'Group', participant_ids: [ids[0], ids[2]], message: { text: 'x' } }),
        'participant_ids',
        'is the authenticated user',
      ],
      ['no message', (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2) }), 'message'],
      [
        'a message that is a string',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2), message: 'x' }),
        'message',
      ],
      [
        'an empty message',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2), message: {} }),
        'message.text',
      ],
      [
        'a message with an empty text',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2), message: { text: '' } }),
        'message.text',
      ],
      [
        'a message with two attachments',
        (ids) => ({
          conversation_type: 'Group',
          participant_ids: ids.slice(0, 2),
          message: { attachments: [{ media_id: '1' }, { media_id: '2' }] },
        }),
        'message.attachments',
      ],
      [
        'a message with an unknown property',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2), message: { text: 'x', title: 'y' } }),
        'message.title',
      ],
      [
        'an unknown top-level property',
        (ids) => ({ conversation_type: 'Group', participant_ids: ids.slice(0, 2), message: { text: 'x' }, text: 'x' }),
        'text',
      ],
    ];

    it.each(groupCases)('start a group: %s', async (_, bodyOf, parameter, message) => {
      // ids[2] is the caller.
      const ids = [sandbox.users[1]!.id, sandbox.users[2]!.id, main.id];
      const body = bodyOf(ids);
      const sent = sandbox.sent.length;
      const conversations = sandbox.data.conversations.length;
      const answer = await post('/2/dm_conversations', body);
      expect(answer.status, answer.text).toBe(400);
      validateAnswer(dialect, 'group', answer);
      const names = answer.body.errors.flatMap((e: { parameters: object }) => Object.keys(e.parameters));
      expect(names).toContain(parameter);
      if (message) expect(answer.body.errors.map((e: { message: string }) => e.message).join('\n')).toContain(message);
      expect(sandbox.sent).toHaveLength(sent);
      expect(sandbox.data.conversations).toHaveLength(conversations);
    });
  });

  describe('the write budgets, apart from the read budget', () => {
    it('a spent dm-write budget stops sends only: reads and deletes answer; a spent read budget leaves sends alone', async () => {
      const other = sandbox.users[8]!;
      sandbox.setRateLimit(2, 60_000, 'dm-write');
      sandbox.setRateLimit(2, 60_000, 'dm-read');
      sandbox.setRateLimit(2, 60_000, 'dm-delete');
      const first = await sendTo(other.id, { text: 'one' });
      expect([
        first.status,
        first.headers.get('x-rate-limit-limit'),
        first.headers.get('x-rate-limit-remaining'),
      ]).toEqual([201, '2', '1']);
      const second = await sendIn(pairId(main.id, other.id), { text: 'two' });
      expect([second.status, second.headers.get('x-rate-limit-remaining')]).toEqual([201, '0']);
      const sent = sandbox.sent.length;
      const refused = await newGroup([sandbox.users[1]!.id, other.id], { text: 'three' });
      expect(refused.status).toBe(429);
      expect(refused.text).toBe(
        '{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}',
      );
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('x-rate-limit-remaining')).toBe('0');
      expect(Number(refused.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect(sandbox.sent).toHaveLength(sent);

      // Reads have their own bucket, full.
      const read = await call(sandbox, 'GET', '/2/dm_events', { query: { max_results: 1 } });
      expect([read.status, read.headers.get('x-rate-limit-remaining')]).toEqual([200, '1']);
      expect(read.body.data[0].id).toBe(second.body.data.dm_event_id);
      // Deletes too.
      const deleted = await remove(second.body.data.dm_event_id);
      expect([deleted.status, deleted.headers.get('x-rate-limit-remaining')]).toEqual([200, '1']);

      // Spend the reads; the write budget comes back with its window, reads stay spent.
      await call(sandbox, 'GET', '/2/dm_events');
      expect((await call(sandbox, 'GET', '/2/dm_events')).status).toBe(429);
      sandbox.resetRateLimits('dm-write');
      const after = await sendTo(other.id, { text: 'reads are spent, sends are not' });
      expect([after.status, after.headers.get('x-rate-limit-remaining')]).toEqual([201, '1']);
      expect((await call(sandbox, 'GET', `/2/dm_events/${after.body.data.dm_event_id}`)).status).toBe(429);
      expect(sandbox.visibleEvents(other.id)[0]!.id).toBe(after.body.data.dm_event_id);
      // The delete budget is its own as well.
      expect((await remove(after.body.data.dm_event_id)).headers.get('x-rate-limit-remaining')).toBe('0');
      expect((await remove(first.body.data.dm_event_id)).status).toBe(429);
      expect(sandbox.visibleEvents(main.id).some((e) => e.id === first.body.data.dm_event_id)).toBe(true);
    });

    it('counts refused writes against the budget (400 and 403 after the rate limit), as X does', async () => {
      sandbox.setRateLimit(2, 60_000, 'dm-write');
      expect((await sendTo(sandbox.users[2]!.id, {})).status).toBe(400);
      expect((await sendIn('abc', { text: 'x' })).headers.get('x-rate-limit-remaining')).toBe('0');
      expect((await sendTo(sandbox.users[2]!.id, { text: 'x' })).status).toBe(429);
    });

    it('keeps each token its own write budget', async () => {
      sandbox.setRateLimit(1, 60_000, 'dm-write');
      expect((await sendTo(sandbox.users[2]!.id, { text: 'x' })).status).toBe(201);
      expect((await sendTo(sandbox.users[2]!.id, { text: 'x' })).status).toBe(429);
      expect((await sendTo(main.id, { text: 'x' }, sandbox.users[2]!.token)).status).toBe(201);
    });
  });

  describe('faults', () => {
    it.each([500, 502, 503, 504] as const)(
      'after-write %i: the send took effect and is listed once, the answer failed',
      async (status) => {
        const other = sandbox.users[9]!;
        sandbox.injectFaults({ type: 'after-write', then: status });
        const sent = sandbox.sent.length;
        const answer = await sendTo(other.id, { text: `lost answer ${status}` });
        expect(answer.status).toBe(status);
        expect(answer.body).toEqual({
          title: expect.any(String),
          type: 'about:blank',
          status,
          detail: answer.body.title,
        });
        expect(sandbox.sent).toHaveLength(sent + 1);
        const event = sandbox.sent.at(-1)!;
        expect(event.text).toBe(`lost answer ${status}`);
        expect(sandbox.requests.at(-1)).toMatchObject({ method: 'POST', status });
        await expectSeenBy([main, other], event.id, event.dm_conversation_id!);
        // One fault, one write: the next send answers.
        expect((await sendTo(other.id, { text: 'answered' })).status).toBe(201);
      },
    );

    it('after-write reset: the connection dies after the send, which exists', async () => {
      sandbox.injectFaults({ type: 'after-write', then: 'reset' });
      const sent = sandbox.sent.length;
      await expect(sendTo(sandbox.users[9]!.id, { text: 'reset after write' })).rejects.toThrow();
      expect(sandbox.sent).toHaveLength(sent + 1);
      expect(sandbox.visibleEvents(main.id)[0]!.text).toBe('reset after write');
      expect(sandbox.requests.at(-1)).toMatchObject({ method: 'POST', status: 0 });
    });

    it('after-write hang: no answer ever, the send exists', async () => {
      sandbox.injectFaults({ type: 'after-write', then: 'hang' });
      const sent = sandbox.sent.length;
      const group = await call(sandbox, 'POST', '/2/dm_conversations', {
        body: {
          conversation_type: 'Group',
          participant_ids: [sandbox.users[10]!.id, sandbox.users[11]!.id],
          message: { text: 'hanging group' },
        },
        signal: AbortSignal.timeout(300),
      }).catch((e: unknown) => e);
      expect(group).toBeInstanceOf(Error);
      expect(sandbox.sent).toHaveLength(sent + 1);
      const event = sandbox.sent.at(-1)!;
      expect(sandbox.data.conversations.find((c) => c.id === event.dm_conversation_id)!.participantIds).toEqual([
        main.id,
        sandbox.users[10]!.id,
        sandbox.users[11]!.id,
      ]);
      await expectSeenBy([main, sandbox.users[10]!, sandbox.users[11]!], event.id, event.dm_conversation_id!);
      expect(sandbox.requests.find((r) => r.body?.includes('hanging group'))).toMatchObject({
        method: 'POST',
        path: '/2/dm_conversations',
        status: 0,
      });
    });

    it('after-write on a delete: the event is gone although the answer was a 503', async () => {
      const mine = await sendTo(sandbox.users[9]!.id, { text: 'delete me, lose the answer' });
      sandbox.injectFaults({ type: 'after-write', then: 503 });
      const answer = await remove(mine.body.data.dm_event_id);
      expect(answer.status).toBe(503);
      expect(sandbox.deleted.at(-1)!.id).toBe(mine.body.data.dm_event_id);
      expect(sandbox.visibleEvents(main.id).some((e) => e.id === mine.body.data.dm_event_id)).toBe(false);
      expect((await remove(mine.body.data.dm_event_id)).status).toBe(404);
    });

    it('after-write waits for a write that takes effect: reads, refused writes and other faults pass it by; `after` counts writes', async () => {
      sandbox.injectFaults({ type: 'after-write', then: 503 }, 1, 1);
      expect((await call(sandbox, 'GET', '/2/dm_events')).status).toBe(200);
      expect((await sendTo(sandbox.users[2]!.id, {})).status).toBe(400);
      expect((await sendIn('abc', { text: 'x' })).status).toBe(403);
      expect((await sendTo(sandbox.users[2]!.id, { text: 'first write answers' })).status).toBe(201);
      expect((await call(sandbox, 'GET', '/2/users/me')).status).toBe(200);
      const sent = sandbox.sent.length;
      expect((await sendTo(sandbox.users[2]!.id, { text: 'second write fails' })).status).toBe(503);
      expect(sandbox.sent).toHaveLength(sent + 1);
      expect((await sendTo(sandbox.users[2]!.id, { text: 'third answers' })).status).toBe(201);
      // clearFaults forgets after-write faults too.
      sandbox.injectFaults({ type: 'after-write', then: 500 });
      sandbox.clearFaults();
      expect((await sendTo(sandbox.users[2]!.id, { text: 'cleared' })).status).toBe(201);
    });

    it('faults before the write: nothing is sent', async () => {
      const sent = sandbox.sent.length;
      const conversations = sandbox.data.conversations.length;
      sandbox.injectFaults({ type: 'status', status: 503 });
      expect((await sendTo(stranger().id, { text: 'never' })).status).toBe(503);
      sandbox.injectFaults({ type: 'reset' });
      await expect(newGroup([sandbox.users[1]!.id, sandbox.users[2]!.id], { text: 'never' })).rejects.toThrow();
      sandbox.injectFaults({ type: 'status', status: 429 });
      const limited = await sendTo(sandbox.users[2]!.id, { text: 'never' });
      expect([limited.status, limited.headers.get('x-rate-limit-remaining')]).toEqual([429, '0']);
      expect(sandbox.sent).toHaveLength(sent);
      expect(sandbox.data.conversations).toHaveLength(conversations);
    });
  });

  it('logs writes with their method, path, status and body; clearWrites empties sent and deleted', async () => {
    sandbox.clearRequests();
    sandbox.clearWrites();
    expect([sandbox.sent, sandbox.deleted]).toEqual([[], []]);
    const other = sandbox.users[2]!;
    const answer = await sendTo(other.id, { text: 'logged' });
    await remove(answer.body.data.dm_event_id);
    await sendTo(other.id, { text: '' });
    expect(sandbox.requests).toEqual([
      {
        method: 'POST',
        path: `/2/dm_conversations/with/${other.id}/messages`,
        query: {},
        authorization: `Bearer ${main.token}`,
        status: 201,
        body: '{"text":"logged"}',
      },
      {
        method: 'DELETE',
        path: `/2/dm_events/${answer.body.data.dm_event_id}`,
        query: {},
        authorization: `Bearer ${main.token}`,
        status: 200,
      },
      {
        method: 'POST',
        path: `/2/dm_conversations/with/${other.id}/messages`,
        query: {},
        authorization: `Bearer ${main.token}`,
        status: 400,
        body: '{"text":""}',
      },
    ]);
    expect(sandbox.sent.map((e) => e.id)).toEqual([answer.body.data.dm_event_id]);
    expect(sandbox.deleted.map((e) => e.id)).toEqual([answer.body.data.dm_event_id]);
    // Auth comes first: no token, a stranger's token, an app-only token.
    expect((await post('/2/dm_conversations', {}, 'nobody')).status).toBe(401);
    const appOnly = await sendTo(other.id, { text: 'x' }, sandbox.appOnlyToken);
    expect([appOnly.status, appOnly.body.type]).toEqual([403, problemType('unsupported-authentication')]);
    expect(sandbox.sent).toHaveLength(1);
  });
});

describe('bodies: the sandbox accepts exactly what 2.167 and X docs accept', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  const codePoints = (s: unknown) => (typeof s === 'string' ? Array.from(s).length : 0);
  /** X's documented limits on top of the schema: 10,000 characters, one attachment, something to send. */
  const messageExtrasOk = (m: Record<string, unknown>) =>
    codePoints(m.text) <= 10_000 &&
    (!Array.isArray(m.attachments) || m.attachments.length <= 1) &&
    ('text' in m || (Array.isArray(m.attachments) && m.attachments.length > 0));

  /** Mostly valid parts, so both outcomes come often and each rule is met alone. */
  const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
  const id = fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[0-9]{1,19}$/) },
    { weight: 1, arbitrary: fc.constantFrom('', 'abc', '12345678901234567890', '12 3', '-1') },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
  );
  const attachment = fc.oneof(
    { weight: 8, arbitrary: fc.record({ media_id: id }) },
    { weight: 1, arbitrary: fc.record({ media_id: id, media_key: fc.string({ maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.constantFrom({}, null, '1') },
  );
  const text = fc.oneof(
    { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        'x'.repeat(10_000),
        'x'.repeat(10_001),
        '👩‍💻'.repeat(3_333),
        '😀'.repeat(10_000),
        '😀'.repeat(10_001),
      ),
    },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
  );
  const message = fc
    .record({
      text: fc.oneof({ weight: 3, arbitrary: text }, { weight: 1, arbitrary: fc.constant(undefined) }),
      attachments: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 5, arbitrary: fc.array(attachment, { maxLength: 2 }) },
        { weight: 1, arbitrary: fc.constantFrom('1', {}) },
      ),
      extra: rarely(fc.string({ maxLength: 3 })),
    })
    .map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<string, unknown>);

  /** Both outcomes must come often, or the property proves little. */
  function expectBothOutcomes(outcomes: number[]): void {
    const created = outcomes.filter((s) => s === 201).length;
    expect(created, `${created} of ${outcomes.length} accepted`).toBeGreaterThan(outcomes.length / 8);
    expect(outcomes.length - created).toBeGreaterThan(outcomes.length / 8);
  }

  it('send to a participant: 201 exactly when the body is valid', async () => {
    const other = sandbox.users[2]!.id;
    const outcomes: number[] = [];
    await fc.assert(
      fc.asyncProperty(message, async (body) => {
        const expected = requestValid('participant', body) && messageExtrasOk(body);
        const answer = await call(sandbox, 'POST', `/2/dm_conversations/with/${other}/messages`, { body });
        expect(answer.status, `${JSON.stringify(body).slice(0, 200)}: ${answer.text.slice(0, 300)}`).toBe(
          expected ? 201 : 400,
        );
        validateAnswer('posts', 'participant', answer);
        outcomes.push(answer.status);
      }),
      { numRuns: 200, seed: 2167 },
    );
    expectBothOutcomes(outcomes);
  });

  it('start a group: 201 exactly when the body is valid and names 2..49 other users', async () => {
    const users = sandbox.users.map((u) => u.id);
    const main = users[0]!;
    const participant = fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom(...users.slice(1)) },
      { weight: 1, arbitrary: id },
      { weight: 1, arbitrary: fc.constant(main) },
    );
    const body = fc
      .record({
        conversation_type: fc.oneof(
          { weight: 12, arbitrary: fc.constant('Group') },
          { weight: 1, arbitrary: fc.constantFrom('OneToOne', 'group', 1, undefined) },
        ),
        participant_ids: fc.oneof(
          { weight: 12, arbitrary: fc.uniqueArray(participant, { minLength: 2, maxLength: 5 }) },
          { weight: 2, arbitrary: fc.array(participant, { minLength: 0, maxLength: 6 }) },
          { weight: 1, arbitrary: fc.constantFrom(users.slice(1, 3).join(','), undefined) },
        ),
        message: fc.oneof(
          { weight: 12, arbitrary: message },
          { weight: 1, arbitrary: fc.constantFrom(undefined, 'hi', null) },
        ),
        extra: rarely(fc.string({ maxLength: 3 })),
      })
      .map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as Record<string, unknown>);
    const outcomes: number[] = [];
    await fc.assert(
      fc.asyncProperty(body, async (body) => {
        const ids = Array.isArray(body.participant_ids) ? body.participant_ids : [];
        const usersOk =
          ids.every((p) => typeof p === 'string' && users.includes(p) && p !== main) &&
          new Set(ids).size === ids.length;
        const expected =
          requestValid('group', body) &&
          usersOk &&
          typeof body.message === 'object' &&
          body.message !== null &&
          messageExtrasOk(body.message as Record<string, unknown>);
        const answer = await call(sandbox, 'POST', '/2/dm_conversations', { body });
        expect(answer.status, `${JSON.stringify(body).slice(0, 300)}: ${answer.text.slice(0, 300)}`).toBe(
          expected ? 201 : 400,
        );
        validateAnswer('posts', 'group', answer);
        if (expected) {
          const conversation = sandbox.data.conversations.find((c) => c.id === answer.body.data.dm_conversation_id)!;
          expect(conversation.participantIds).toEqual([main, ...ids]);
        }
        outcomes.push(answer.status);
      }),
      { numRuns: 200, seed: 2167 },
    );
    expectBothOutcomes(outcomes);
  });

  it('answers a body over maxBodyBytes with 413 and sends nothing', async () => {
    const small = await startSandbox({ maxBodyBytes: 1024 });
    try {
      const answer = await call(small, 'POST', `/2/dm_conversations/with/${small.users[2]!.id}/messages`, {
        body: { text: 'x'.repeat(2000) },
      });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({
        title: 'Payload Too Large',
        type: 'about:blank',
        status: 413,
        detail: 'Payload Too Large',
      });
      expect(small.sent).toHaveLength(0);
      expect(
        (
          await call(small, 'POST', `/2/dm_conversations/with/${small.users[2]!.id}/messages`, {
            body: { text: 'x'.repeat(900) },
          })
        ).status,
      ).toBe(201);
    } finally {
      await small.close();
    }
  });
});
