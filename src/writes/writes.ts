/**
 * Writes to X: sending a message, starting a group, deleting one's own message. Each is sent at most once by the
 * gateway (`XSession.send` never retries a write that may have reached X), and an idempotency key makes a client's own
 * retry safe: the same caller sending the same key with the same input within 24 hours gets the first answer without a
 * second call.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayContext } from '../context.js';
import { BadUserInputError, UpstreamError, WriteNotSentError, WriteOutcomeUnknownError } from '../errors.js';
import type { IdempotencyRecord, IdempotencyStore } from '../store/store.js';
import { noteSlot } from './user-slots.js';
import type { DmEvent, DmEventsPage } from '../x/wire.js';

/** How long an idempotency key holds its answer. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a retry waits for the same key's write still in flight elsewhere. */
const PENDING_WAIT_MS = 10_000;
const PENDING_POLL_MS = 50;
/** A write's longest run when its operation has no deadline. */
const LONGEST_WRITE_MS = 5 * 60 * 1000;
/**
 * The pauses before a write's outcome is offered again to a store that did not take it: about 8 s in all, within a
 * retry's wait for the claim.
 */
const NOTE_AGAIN_MS = [100, 250, 500, 1000, 2000, 4000];
/** How long past its write's end a claim is still trusted to be in flight (the clocks of replicas differ a little). */
const CLAIM_MARGIN_MS = 60 * 1000;

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
  const sent = await once(context, key, { write: 'send', target, message }, message, async () =>
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
  const sent = await once(context, key, { write: 'group', participantIds, message }, message, async () =>
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
  // X has deleted it: a memory that cannot forget it now (its store went down) drops it when it reads that span again.
  await context.memory?.deleted(eventId).catch(() => undefined);
}

/**
 * The message as the gateway knows it from the input and X's answer: shown at once by the memory, until a sync reads
 * X's own copy. Its `created_at` is when X answered, to the second. X has done the write, so nothing here fails the
 * mutation: a memory that cannot take the message now (its store went down) reads it at its next sync.
 */
async function rememberSent(context: GatewayContext, sent: Sent, message: OutgoingMessage): Promise<void> {
  const memory = context.memory;
  if (!memory) return;
  try {
    const event: DmEvent = {
      id: sent.eventId,
      event_type: 'MessageCreate',
      ...(message.text !== undefined && { text: message.text }),
      sender_id: await context.callerId(),
      dm_conversation_id: sent.conversationId,
      created_at: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    };
    await memory.sent(event);
    await context.notifyLive();
  } catch {
    // See above: the answer is X's, and the caller gets it.
  }
}

/** The store and key of an idempotency key, scoped to its caller: keys of different callers never meet. */
function slotOf(context: GatewayContext, key: string): string {
  return createHash('sha256').update(context.x.tokenHash()).update('\u0000').update(key).digest('base64url');
}

/**
 * A write's claim on its key: pending until the write's end at the latest, which is its operation's deadline (no call
 * of it ends later), plus a margin for the clocks of replicas that differ a little.
 */
function claimOf(context: GatewayContext, fingerprint: string): IdempotencyRecord & { readonly until: number } {
  const at = Date.now();
  return {
    fingerprint,
    state: 'pending',
    at,
    until: at + Math.min(context.x.timeLeftMs(), LONGEST_WRITE_MS) + CLAIM_MARGIN_MS,
  };
}

/** A claim still pending past its write's end: its replica died, or the store failed before it noted the outcome. */
function abandoned(record: IdempotencyRecord): boolean {
  return record.state === 'pending' && Date.now() > (record.until ?? record.at + LONGEST_WRITE_MS + CLAIM_MARGIN_MS);
}

/** A step before the write: when the store does not answer, nothing is sent. */
function before<T>(step: Promise<T>): Promise<T> {
  return step.catch((error: unknown) => {
    throw new WriteNotSentError(error);
  });
}

/**
 * A step after the write: the store keeps the outcome when it can. When it cannot, the step is tried again in the
 * background for a few seconds (a store that was slow a moment takes it within a retry's wait for the claim); after
 * that, the claim stays pending until it is abandoned, and a retry then settles it from X's events.
 */
function after(step: () => Promise<unknown>): Promise<void> {
  return step().then(
    () => undefined,
    () => void later(step),
  );
}

async function later(step: () => Promise<unknown>): Promise<void> {
  for (const delay of NOTE_AGAIN_MS) {
    await sleep(delay, undefined, { ref: false });
    try {
      await step();
      return;
    } catch {
      // Once more after the next pause, or left to the claim's end.
    }
  }
}

/**
 * Runs `write` at most once per idempotency key and input; without a key, once. Every step before the write must reach
 * the store (`WriteNotSentError` otherwise: a claim no other replica could see would not keep a retry there from
 * sending again). A key whose earlier write ended with an unknown outcome, or was abandoned, is settled first: when X
 * shows the caller's message (same text and media, sent since), that is the answer; otherwise the first retry to
 * claim that outcome sends the message again, and the others wait for its answer.
 */
async function once(
  context: GatewayContext,
  key: string | undefined,
  input: unknown,
  message: OutgoingMessage,
  write: () => Promise<Sent>,
): Promise<Sent> {
  if (key === undefined) return write();
  const records = context.writes;
  const slot = slotOf(context, key);
  const fingerprint = createHash('sha256').update(JSON.stringify(input)).digest('base64url');
  const waitUntil = Date.now() + PENDING_WAIT_MS;
  /** The outcome (its `at`) another retry took over: waited for, not settled again. */
  let takenOver: number | undefined;
  for (;;) {
    const claim = claimOf(context, fingerprint);
    if (await before(records.putIdempotency(slot, claim, IDEMPOTENCY_TTL_MS, true))) {
      await noteClaim(context, slot);
      return run(records, slot, claim, write);
    }
    const record = await before(records.idempotency(slot));
    if (!record) continue;
    if (record.fingerprint !== fingerprint) {
      throw new BadUserInputError('This `idempotencyKey` was used with other input: use a new key for a new write.', {
        argument: 'input.idempotencyKey',
      });
    }
    if (record.state === 'done') return record.answer as unknown as Sent;
    if ((record.state === 'unknown' || abandoned(record)) && record.at !== takenOver) {
      const found = await findSent(context, message, record.at);
      if (found) {
        const done: IdempotencyRecord = { fingerprint, state: 'done', answer: { ...found }, at: record.at };
        await after(() => records.putIdempotency(slot, done, IDEMPOTENCY_TTL_MS));
        return found;
      }
      // The outcome's own key, held as long as a claim: taken by one retry, or by the next once that one is abandoned.
      const retryKey = `${slot}\u0000retry\u0000${record.at}`;
      if (await before(records.putIdempotency(retryKey, claim, claim.until - claim.at, true))) {
        await before(records.putIdempotency(slot, claim, IDEMPOTENCY_TTL_MS));
        return run(records, slot, claim, write);
      }
      takenOver = record.at;
    }
    if (Date.now() > waitUntil) {
      throw new WriteOutcomeUnknownError(
        new UpstreamError('The first write with this `idempotencyKey` is still in flight'),
      );
    }
    await sleep(PENDING_POLL_MS);
  }
}

/** The write of a claimed key, and its outcome noted under the key. */
async function run(
  records: IdempotencyStore,
  slot: string,
  claim: IdempotencyRecord,
  write: () => Promise<Sent>,
): Promise<Sent> {
  const { fingerprint, at } = claim;
  let sent: Sent;
  try {
    sent = await write();
  } catch (error) {
    // An unknown outcome is settled by the next retry; after a failure X reported, the key is free again.
    await after(() =>
      error instanceof WriteOutcomeUnknownError
        ? records.putIdempotency(slot, { fingerprint, state: 'unknown', at }, IDEMPOTENCY_TTL_MS)
        : records.forgetIdempotency(slot),
    );
    throw error;
  }
  await after(() =>
    records.putIdempotency(slot, { fingerprint, state: 'done', answer: { ...sent }, at }, IDEMPOTENCY_TTL_MS),
  );
  return sent;
}

/**
 * Lists a claimed key under its user (known to the memory, at no call), so that a user who revokes the app is
 * forgotten with their keys. Not a condition of the write: a key missing from the list lives out its 24 hours.
 */
async function noteClaim(context: GatewayContext, slot: string): Promise<void> {
  if (!context.memory) return;
  try {
    await noteSlot(context.writes, await context.memory.userId(), slot, IDEMPOTENCY_TTL_MS);
  } catch {
    // The write goes on: see above.
  }
}

/**
 * The caller's own message with `message`'s text and media, sent since `since`, among the newest events X shows: what
 * an earlier write with an unknown outcome did, if it did anything. One DM lookup.
 */
async function findSent(context: GatewayContext, message: OutgoingMessage, since: number): Promise<Sent | undefined> {
  const me = await context.callerId();
  const page = await context.x.get<DmEventsPage>('/2/dm_events', {
    max_results: '20',
    'dm_event.fields': 'attachments,created_at,dm_conversation_id,sender_id,text',
    expansions: 'sender_id',
  });
  for (const event of page.data ?? []) {
    if (event.sender_id !== me || !event.dm_conversation_id) continue;
    if (event.created_at !== undefined && Date.parse(event.created_at) < since - 1_000) continue;
    if (event.text !== message.text || !sameMedia(event, message.mediaIds ?? [])) continue;
    return { conversationId: event.dm_conversation_id, eventId: event.id };
  }
  return undefined;
}

/** Whether `event` carries exactly the media of `mediaIds` (X's media keys are `<type>_<media id>`). */
function sameMedia(event: DmEvent, mediaIds: readonly string[]): boolean {
  const keys = event.attachments?.media_keys ?? [];
  return keys.length === mediaIds.length && mediaIds.every((id) => keys.some((key) => key.endsWith(`_${id}`)));
}
