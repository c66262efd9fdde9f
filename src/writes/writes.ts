/**
 * Writes to X: sending a message, starting a group, deleting one's own message. Each is sent at most once by the
 * gateway (`XSession.send` never retries a write that may have reached X), and an idempotency key makes a client's own
 * retry safe: the same caller sending the same key with the same input within 24 hours gets the first answer without a
 * second call.
 */
import { createHash } from 'node:crypto';
import type { GatewayContext } from '../context.js';
import { BadUserInputError, UpstreamError, WriteOutcomeUnknownError } from '../errors.js';
import type { IdempotencyRecord } from '../store/store.js';
import { noteSlot } from './user-slots.js';
import type { DmEvent, DmEventsPage } from '../x/wire.js';

/** How long an idempotency key holds its answer. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a retry waits for the same key's write still in flight elsewhere. */
const PENDING_WAIT_MS = 10_000;
const PENDING_POLL_MS = 50;

/** Where a message goes: a person (their one-to-one conversation, made if need be) or a conversation. */
export type SendTarget = { readonly participantId: string } | { readonly conversationId: string };

export interface OutgoingMessage {
  readonly text?: string;
  readonly mediaIds?: readonly string[];
}

/** X's answer to a send: the conversation and the new event. */
export interface Sent {
  readonly conversationId: string;
  readonly eventId: string;
}

interface CreateAnswer {
  data?: { dm_conversation_id?: string; dm_event_id?: string };
}

/** X's message body: `text` and at most one attachment. */
function messageBody(message: OutgoingMessage): Record<string, unknown> {
  return {
    ...(message.text !== undefined && { text: message.text }),
    ...(message.mediaIds?.length && { attachments: message.mediaIds.map((id) => ({ media_id: id })) }),
  };
}

function sentOf(answer: CreateAnswer): Sent {
  const conversationId = answer.data?.dm_conversation_id;
  const eventId = answer.data?.dm_event_id;
  if (!conversationId || !eventId)
    throw new WriteOutcomeUnknownError(new UpstreamError("X's answer to the send named no event"));
  return { conversationId, eventId };
}

/** Sends a message, once. */
export async function sendMessage(
  context: GatewayContext,
  target: SendTarget,
  message: OutgoingMessage,
  key: string | undefined,
): Promise<Sent> {
  const path =
    'participantId' in target
      ? `/2/dm_conversations/with/${target.participantId}/messages`
      : `/2/dm_conversations/${target.conversationId}/messages`;
  const sent = await once(context, key, { write: 'send', target, message }, message.text, async () =>
    sentOf(await context.x.send<CreateAnswer>('POST', path, messageBody(message))),
  );
  await rememberSent(context, sent, message);
  return sent;
}

/** Starts a group with `participantIds` (the others) and a first message, once. */
export async function createGroup(
  context: GatewayContext,
  participantIds: readonly string[],
  message: OutgoingMessage,
  key: string | undefined,
): Promise<Sent> {
  const sent = await once(context, key, { write: 'group', participantIds, message }, message.text, async () =>
    sentOf(
      await context.x.send<CreateAnswer>('POST', '/2/dm_conversations', {
        conversation_type: 'Group',
        participant_ids: participantIds,
        message: messageBody(message),
      }),
    ),
  );
  await rememberSent(context, sent, message);
  return sent;
}

/** Deletes one of the caller's own messages. */
export async function deleteEvent(context: GatewayContext, eventId: string): Promise<void> {
  await context.x.send<{ data?: { deleted?: boolean } }>('DELETE', `/2/dm_events/${eventId}`);
  await context.memory?.deleted(eventId);
}

/**
 * The message as the gateway knows it from the input and X's answer: shown at once by the memory, until a sync reads
 * X's own copy. Its `created_at` is when X answered, to the second.
 */
async function rememberSent(context: GatewayContext, sent: Sent, message: OutgoingMessage): Promise<void> {
  if (!context.memory) return;
  const event: DmEvent = {
    id: sent.eventId,
    event_type: 'MessageCreate',
    ...(message.text !== undefined && { text: message.text }),
    sender_id: await context.callerId(),
    dm_conversation_id: sent.conversationId,
    created_at: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
  };
  await context.memory.sent(event);
  await context.notifyLive();
}

/** The store and key of an idempotency key, scoped to its caller: keys of different callers never meet. */
function slotOf(context: GatewayContext, key: string): string {
  return createHash('sha256').update(context.x.tokenHash()).update('\u0000').update(key).digest('base64url');
}

/**
 * Runs `write` at most once per idempotency key and input; without a key, once. A key whose earlier write ended with
 * an unknown outcome is settled first: when X shows the caller's message (same text, sent since), that is the answer.
 */
async function once(
  context: GatewayContext,
  key: string | undefined,
  input: unknown,
  text: string | undefined,
  write: () => Promise<Sent>,
): Promise<Sent> {
  if (key === undefined) return write();
  const store = context.writes;
  const slot = slotOf(context, key);
  const fingerprint = createHash('sha256').update(JSON.stringify(input)).digest('base64url');
  const claim: IdempotencyRecord = { fingerprint, state: 'pending', at: Date.now() };
  const deadline = Date.now() + PENDING_WAIT_MS;
  for (;;) {
    if (await store.putIdempotency(slot, claim, IDEMPOTENCY_TTL_MS, true)) {
      // Listed under the user (known to the memory, at no call), so that a user who revokes the app is forgotten
      // with their keys.
      if (context.memory) await noteSlot(store, await context.memory.userId(), slot, IDEMPOTENCY_TTL_MS);
      break;
    }
    const record = await store.idempotency(slot);
    if (!record) continue;
    if (record.fingerprint !== fingerprint) {
      throw new BadUserInputError('This `idempotencyKey` was used with other input: use a new key for a new write.', {
        argument: 'input.idempotencyKey',
      });
    }
    if (record.state === 'done') return record.answer as unknown as Sent;
    if (record.state === 'unknown') {
      const found = await findSent(context, text, record.at);
      if (found) {
        await store.putIdempotency(
          slot,
          { fingerprint, state: 'done', answer: { ...found }, at: record.at },
          IDEMPOTENCY_TTL_MS,
        );
        return found;
      }
      await store.putIdempotency(slot, claim, IDEMPOTENCY_TTL_MS);
      break;
    }
    if (Date.now() > deadline) {
      throw new WriteOutcomeUnknownError(
        new UpstreamError('The first write with this `idempotencyKey` is still in flight'),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
  }
  try {
    const sent = await write();
    await store.putIdempotency(
      slot,
      { fingerprint, state: 'done', answer: { ...sent }, at: claim.at },
      IDEMPOTENCY_TTL_MS,
    );
    return sent;
  } catch (error) {
    if (error instanceof WriteOutcomeUnknownError)
      await store.putIdempotency(slot, { ...claim, state: 'unknown' }, IDEMPOTENCY_TTL_MS);
    else await store.forgetIdempotency(slot);
    throw error;
  }
}

/**
 * The caller's own message with `text`, sent since `since`, among the newest events X shows: what an earlier write
 * with an unknown outcome did, if it did anything. One DM lookup.
 */
async function findSent(context: GatewayContext, text: string | undefined, since: number): Promise<Sent | undefined> {
  if (text === undefined) return undefined;
  const me = await context.callerId();
  const page = await context.x.get<DmEventsPage>('/2/dm_events', {
    max_results: '20',
    'dm_event.fields': 'created_at,dm_conversation_id,sender_id,text',
    expansions: 'sender_id',
  });
  for (const event of page.data ?? []) {
    if (event.text !== text || !event.dm_conversation_id) continue;
    if (event.created_at !== undefined && Date.parse(event.created_at) < since - 1_000) continue;
    if (event.sender_id !== me) continue;
    return { conversationId: event.dm_conversation_id, eventId: event.id };
  }
  return undefined;
}
