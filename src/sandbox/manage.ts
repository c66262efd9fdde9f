/**
 * X's four DM manage endpoints: send to a participant, send to a conversation, start a group, delete one's own
 * message. Pure: no HTTP here (`server.ts` reads the body, spends the `dm-write`/`dm-delete` budget and applies
 * after-write faults).
 *
 * Bodies are checked strictly against spec 2.167's request schemas (both dialects: 2.159 has no manage endpoints),
 * plus what X's docs add to them: `text` at most 10,000 characters, at most one attachment, at least one of `text` and
 * a non-empty `attachments` (also in a group's `message`, whose schema forgets it), distinct `participant_ids`. Every
 * problem of a body is listed in one 400, in X's invalid-request style (`parameters` names the body property by its
 * path, e.g. `message.attachments[0].media_id`).
 */
import type { SandboxDialect } from './speech.js';
import type { DmEvent } from '../x/wire.js';
import { oneToOneConversationId } from './data/ids.js';
import { notAuthorizedForResource, resourceNotFound } from './problems.js';
import type { DemoStore } from './store.js';
import type { StoredUser } from './types.js';
import { type InvalidRequest, invalidRequest, type ManageEndpointName } from './validate.js';

/** The manage endpoints, named as in `OPERATIONS` (validate.ts). */
export type ManageEndpoint = ManageEndpointName;

/** X's docs: a DM's text is 1 to 10,000 characters (counted as Unicode code points, as JSON Schema counts). */
export const MAX_TEXT_CHARACTERS = 10_000;
/** X's docs: one attachment per message. */
export const MAX_ATTACHMENTS = 1;
/** `CreateDirectMessagesConversationRequest.participant_ids`: 2 to 49 ids of the others. */
export const GROUP_PARTICIPANTS = { min: 2, max: 49 } as const;
/** The pattern of every id in the manage schemas (`media_id`, `participant_ids` items). */
const ID_PATTERN = /^[0-9]{1,19}$/;
/** A one-to-one conversation id (the lookup's pattern, first alternative). */
const ONE_TO_ONE = /^([0-9]{1,19})-([0-9]{1,19})$/;

/** X's word for a body sent without `content-type: application/json`. */
export const JSON_CONTENT_TYPE_MESSAGE = 'Requests with bodies must have content-type of application/json.';

type Errors = InvalidRequest['errors'];

/** A message as the body gives it, checked. */
export interface MessageInput {
  text?: string;
  /** 0 or 1 media ids. */
  mediaIds: string[];
}

export type WriteInput =
  | { endpoint: 'sendToParticipant' | 'sendToConversation'; message: MessageInput }
  | { endpoint: 'createGroup'; participantIds: string[]; message: MessageInput }
  | { endpoint: 'deleteEvent' };

/** What a write did and what to answer. */
export interface WriteOutcome {
  status: number;
  body: unknown;
  /** The event a send created (it exists, whatever the answer turns out to be). */
  sent?: DmEvent;
  /** The event a delete removed. */
  deleted?: DmEvent;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as X echoes it in `parameters`: strings as they are, anything else as JSON. */
const echo = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

/** Whether `content-type` names JSON (`application/json`, any parameters). */
export function isJsonContentType(header: string | undefined): boolean {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * The body of a write, checked: its JSON against the endpoint's request schema. `raw` is undefined for a DELETE (its
 * body, if any, is ignored, as X has none).
 */
export function checkBody(
  endpoint: ManageEndpoint,
  contentType: string | undefined,
  raw: string | undefined,
): { ok: true; input: WriteInput } | { ok: false; errors: Errors } {
  if (endpoint === 'deleteEvent') return { ok: true, input: { endpoint } };
  if (!isJsonContentType(contentType))
    return { ok: false, errors: [{ parameters: {}, message: JSON_CONTENT_TYPE_MESSAGE }] };
  let body: unknown;
  try {
    body = JSON.parse(raw ?? '');
  } catch {
    return { ok: false, errors: [{ parameters: {}, message: 'The request body is not valid JSON' }] };
  }
  const errors: Errors = [];
  const fail = (name: string, values: unknown[], message: string) =>
    errors.push({ parameters: { [name]: values.map(echo) }, message });
  if (!isObject(body)) {
    errors.push({ parameters: {}, message: 'The request body must be a JSON object' });
    return { ok: false, errors };
  }
  if (endpoint !== 'createGroup') {
    const message = checkMessage(body, '', fail);
    return errors.length > 0 || !message ? { ok: false, errors } : { ok: true, input: { endpoint, message } };
  }

  knownKeys(body, '', ['conversation_type', 'message', 'participant_ids'], fail);
  if (!('conversation_type' in body))
    fail('conversation_type', [], 'The `conversation_type` body property is required');
  else if (body.conversation_type !== 'Group')
    fail(
      'conversation_type',
      [body.conversation_type],
      `The \`conversation_type\` body property value [${echo(body.conversation_type)}] is not one of [Group]`,
    );

  let participantIds: string[] | undefined;
  if (!('participant_ids' in body)) fail('participant_ids', [], 'The `participant_ids` body property is required');
  else if (!Array.isArray(body.participant_ids))
    fail('participant_ids', [body.participant_ids], 'The `participant_ids` body property must be an array');
  else {
    const ids: unknown[] = body.participant_ids;
    const { min, max } = GROUP_PARTICIPANTS;
    if (ids.length < min || ids.length > max)
      fail(
        'participant_ids',
        ids,
        `The number of values in the \`participant_ids\` body property [${ids.length}] is not between ${min} and ${max}`,
      );
    const bad = ids.filter((id) => typeof id !== 'string' || !ID_PATTERN.test(id));
    for (const id of bad)
      fail('participant_ids', [id], `The \`participant_ids\` body property value [${echo(id)}] is not valid`);
    const repeated = new Set(ids.filter((id, i) => typeof id === 'string' && ids.indexOf(id) !== i));
    for (const id of repeated)
      fail(
        'participant_ids',
        [id],
        `The \`participant_ids\` body property value [${echo(id)}] is given more than once`,
      );
    if (bad.length === 0 && repeated.size === 0) participantIds = ids as string[];
  }

  let message: MessageInput | undefined;
  if (!('message' in body)) fail('message', [], 'The `message` body property is required');
  else if (!isObject(body.message))
    fail('message', [body.message], 'The `message` body property must be a JSON object');
  else message = checkMessage(body.message, 'message.', fail);

  if (errors.length > 0 || !message || !participantIds) return { ok: false, errors };
  return { ok: true, input: { endpoint, participantIds, message } };
}

/** Unknown properties, each refused (`additionalProperties: false`). */
function knownKeys(
  object: Record<string, unknown>,
  prefix: string,
  known: readonly string[],
  fail: (name: string, values: unknown[], message: string) => void,
): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key))
      fail(prefix + key, [object[key]], `The body property [${prefix}${key}] is not one of [${known.join(',')}]`);
  }
}

/** A message object (`{ text?, attachments? }`), or undefined when it has problems (each reported through `fail`). */
function checkMessage(
  message: Record<string, unknown>,
  prefix: string,
  fail: (name: string, values: unknown[], message: string) => void,
): MessageInput | undefined {
  let ok = true;
  const refuse = (name: string, values: unknown[], text: string) => {
    ok = false;
    fail(name, values, text);
  };
  knownKeys(message, prefix, ['attachments', 'text'], refuse);
  const out: MessageInput = { mediaIds: [] };
  if ('text' in message) {
    const { text } = message;
    const length = typeof text === 'string' ? Array.from(text).length : -1;
    if (typeof text !== 'string')
      refuse(`${prefix}text`, [text], `The \`${prefix}text\` body property must be a string`);
    else if (length < 1 || length > MAX_TEXT_CHARACTERS)
      refuse(
        `${prefix}text`,
        [text],
        `The \`${prefix}text\` body property must be between 1 and ${MAX_TEXT_CHARACTERS} characters long; it is ${length}`,
      );
    else out.text = text;
  }
  if ('attachments' in message) {
    const { attachments } = message;
    const name = `${prefix}attachments`;
    if (!Array.isArray(attachments)) refuse(name, [attachments], `The \`${name}\` body property must be an array`);
    else {
      if (attachments.length > MAX_ATTACHMENTS)
        refuse(
          name,
          attachments,
          `The number of values in the \`${name}\` body property [${attachments.length}] is not between 0 and ${MAX_ATTACHMENTS}`,
        );
      attachments.forEach((attachment: unknown, i) => {
        const item = `${name}[${i}]`;
        if (!isObject(attachment))
          return refuse(item, [attachment], `The \`${item}\` body property must be a JSON object`);
        knownKeys(attachment, `${item}.`, ['media_id'], refuse);
        const id = attachment.media_id;
        if (!('media_id' in attachment))
          refuse(`${item}.media_id`, [], `The \`${item}.media_id\` body property is required`);
        else if (typeof id !== 'string' || !ID_PATTERN.test(id))
          refuse(`${item}.media_id`, [id], `The \`${item}.media_id\` body property value [${echo(id)}] is not valid`);
        else out.mediaIds.push(id);
      });
    }
  }
  const noAttachments =
    !('attachments' in message) || (Array.isArray(message.attachments) && message.attachments.length === 0);
  if (!('text' in message) && noAttachments) {
    refuse(`${prefix}text`, [], `At least one of \`${prefix}text\`, \`${prefix}attachments\` is required`);
  }
  return ok ? out : undefined;
}

/** What answering a write depends on. */
export interface WriteContext {
  store: DemoStore;
  dialect: SandboxDialect;
  user: StoredUser;
  now: Date;
}

const created = (event: DmEvent): WriteOutcome => ({
  status: 201,
  body: { data: { dm_conversation_id: event.dm_conversation_id!, dm_event_id: event.id } },
  sent: event,
});

/**
 * Does a checked write, or refuses it: unknown users named by the call are a 400 (invalid request), a conversation
 * the user is not in is a 403, an event they cannot see a 404, someone else's event a 403.
 */
export function performWrite(ctx: WriteContext, input: WriteInput, values: readonly string[]): WriteOutcome {
  const { store, dialect, user } = ctx;
  const [value = ''] = values;
  const invalid = (errors: Errors): WriteOutcome => ({ status: 400, body: invalidRequest(dialect, errors) });
  switch (input.endpoint) {
    case 'sendToParticipant': {
      const problem = checkParticipant(store, user, 'participant_id', 'path parameter', value);
      if (problem) return invalid([problem]);
      const id = oneToOneConversationId(user.id, value);
      if (!store.conversation(id)) store.addConversation({ id, participantIds: [user.id, value], group: false });
      return created(send(ctx, id, input.message));
    }
    case 'sendToConversation': {
      const conversation = store.conversation(value) ?? openOneToOne(store, user, value);
      if (!conversation || !conversation.participantIds.includes(user.id)) {
        return {
          status: 403,
          body: notAuthorizedForResource(dialect, 'send messages to', 'dm_conversation', 'dm_conversation_id', value),
        };
      }
      return created(send(ctx, conversation.id, input.message));
    }
    case 'createGroup': {
      const problems = input.participantIds.flatMap(
        (id) => checkParticipant(store, user, 'participant_ids', 'body property', id) ?? [],
      );
      if (problems.length > 0) return invalid(problems);
      const id = store.newConversationId();
      store.addConversation({ id, participantIds: [user.id, ...input.participantIds], group: true });
      return created(send(ctx, id, input.message));
    }
    case 'deleteEvent': {
      // An event the user may not see is answered exactly as one that does not exist (as the lookups do).
      const event = store.eventFor(user.id, value);
      if (!event) return { status: 404, body: resourceNotFound(dialect, 'dm_event', 'event_id', value) };
      if (event.event_type !== 'MessageCreate' || event.sender_id !== user.id) {
        return { status: 403, body: notAuthorizedForResource(dialect, 'delete', 'dm_event', 'event_id', value) };
      }
      store.deleteEvent(event.id);
      return { status: 200, body: { data: { deleted: true } }, deleted: event };
    }
  }
}

/** A problem with a user the call names as the other side: not a user, or the caller themself. */
function checkParticipant(
  store: DemoStore,
  user: StoredUser,
  name: string,
  where: string,
  id: string,
): Errors[number] | undefined {
  if (id === user.id)
    return {
      parameters: { [name]: [id] },
      message: `The \`${name}\` ${where} value [${id}] is the authenticated user`,
    };
  if (!store.users.has(id))
    return { parameters: { [name]: [id] }, message: `The \`${name}\` ${where} value [${id}] is not a known user` };
  return undefined;
}

/**
 * A one-to-one conversation id not in the data yet that names the user and another known user, written as X writes
 * it (`{smaller}-{larger}`): the conversation X would open with that user, made now. Anything else: undefined.
 */
function openOneToOne(store: DemoStore, user: StoredUser, id: string) {
  const match = ONE_TO_ONE.exec(id);
  if (!match) return undefined;
  const [, a, b] = match as unknown as [string, string, string];
  const other = a === user.id ? b : b === user.id ? a : undefined;
  if (other === undefined || other === user.id || !store.users.has(other) || oneToOneConversationId(a, b) !== id)
    return undefined;
  return store.addConversation({ id, participantIds: [user.id, other], group: false });
}

/** The new event: text (`''` for a message with only an attachment) and the attachment's media. */
function send({ store, user, now }: WriteContext, conversationId: string, message: MessageInput): DmEvent {
  const mediaKeys = message.mediaIds.map((id) => store.mediaForUpload(id).media_key!);
  return store.addMessage(conversationId, user.id, { text: message.text ?? '', mediaKeys }, now);
}
