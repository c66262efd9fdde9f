/**
 * X's Activity API deliveries (stream lines and webhook bodies) read into the gateway's news: a message in the v2
 * event shape with its conversation named, typing, a read receipt, a revoke, or a message whose conversation the
 * payload does not name (a group's: X documents no shape for it, so the user's feed is synced instead of guessed).
 * `../shared/X-API.md` ("Activity API") has the shapes; they are read loosely, since X's samples differ.
 */
import type { DmEvent } from '../x/wire.js';

export type ActivityNews =
  | { kind: 'message'; uuid: string; userId: string; event: DmEvent }
  | { kind: 'unplaced'; uuid: string; userId: string }
  | { kind: 'typing'; uuid: string; userId: string; conversationId: string; senderId: string; at: number }
  | {
      kind: 'read';
      uuid: string;
      userId: string;
      conversationId: string;
      readerId: string;
      lastReadEventId?: string;
      at: number;
    }
  | { kind: 'revoke'; uuid: string; userId: string };

const ID = /^[0-9]{1,19}$/;

/** A JSON object read loosely: any property may be missing or of any type. */
type Loose = Readonly<Record<string, unknown>>;

/** `value` as an object to read properties from; undefined for null and for what is not an object. */
function loose(value: unknown): Loose | undefined {
  return value !== null && typeof value === 'object' ? (value as Loose) : undefined;
}

/** A payload's list of items, iterated as sent (X sends arrays). */
function items(value: unknown): Iterable<unknown> {
  return (value ?? []) as Iterable<unknown>;
}

/** A scalar as text (ids come as strings, in some payloads as numbers); empty for anything else. */
function asText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
}

/** A one-to-one conversation's id: the two user ids joined by `-`, the smaller first. */
export function oneToOneId(a: string, b: string): string {
  const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return `${low}-${high}`;
}

function timestamp(value: unknown): number {
  const ms = Number(value);
  return Number.isFinite(ms) && ms > 0 ? ms : Date.now();
}

/** The news in one delivery (an envelope `{ data: {...} }`); empty when it holds nothing the gateway reads. */
export function readActivity(envelope: unknown): ActivityNews[] {
  const data = loose(loose(envelope)?.data);
  if (!data) return [];
  const uuid = asText(data.event_uuid);
  const eventType = data.event_type;
  const payload = loose(data.payload) ?? {};
  const filterUserId = loose(data.filter)?.user_id;
  if (eventType === 'oauth.revoke') {
    const userId = asText(payload.user_id ?? filterUserId);
    return ID.test(userId) ? [{ kind: 'revoke', uuid, userId }] : [];
  }
  const userId = asText(filterUserId);
  if (!uuid || !ID.test(userId)) return [];
  const news: ActivityNews[] = [];
  if (eventType === 'dm.received' || eventType === 'dm.sent') {
    for (const value of items(payload.direct_message_events)) {
      const item = loose(value);
      const create = loose(item?.message_create);
      const id = asText(item?.id);
      const senderId = asText(create?.sender_id);
      const target = loose(create?.target)?.recipient_id;
      const recipientId = target === undefined ? undefined : asText(target);
      if (!item || !ID.test(id) || !ID.test(senderId)) continue;
      // Only sender and recipient name a conversation, and only one of the user's own.
      if (recipientId === undefined || !ID.test(recipientId) || (senderId !== userId && recipientId !== userId)) {
        news.push({ kind: 'unplaced', uuid, userId });
        continue;
      }
      const text = loose(create?.message_data)?.text;
      news.push({
        kind: 'message',
        uuid,
        userId,
        event: {
          id,
          event_type: 'MessageCreate',
          ...(typeof text === 'string' && { text }),
          sender_id: senderId,
          dm_conversation_id: oneToOneId(senderId, recipientId),
          created_at: new Date(Math.floor(timestamp(item.created_timestamp) / 1000) * 1000).toISOString(),
        },
      });
    }
  } else if (eventType === 'dm.indicate_typing') {
    for (const value of items(payload.direct_message_indicate_typing_events)) {
      const item = loose(value);
      const senderId = asText(item?.sender_id);
      const recipientId = asText(loose(item?.target)?.recipient_id);
      if (!item || !ID.test(senderId) || recipientId !== userId || senderId === userId) continue;
      news.push({
        kind: 'typing',
        uuid,
        userId,
        conversationId: oneToOneId(senderId, recipientId),
        senderId,
        at: timestamp(item.created_timestamp),
      });
    }
  } else if (eventType === 'dm.read') {
    for (const value of items(payload.direct_message_mark_read_events)) {
      const item = loose(value);
      const readerId = asText(item?.sender_id);
      const recipientId = asText(loose(item?.target)?.recipient_id);
      if (!item || !ID.test(readerId) || recipientId !== userId || readerId === userId) continue;
      const last = item.last_read_event_id === undefined ? undefined : asText(item.last_read_event_id);
      news.push({
        kind: 'read',
        uuid,
        userId,
        conversationId: oneToOneId(readerId, recipientId),
        readerId,
        ...(last !== undefined && ID.test(last) && { lastReadEventId: last }),
        at: timestamp(item.created_timestamp),
      });
    }
  }
  return news;
}
