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

type Loose = Record<string, any>;

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
  const data = (envelope as Loose | null)?.data as Loose | undefined;
  if (!data || typeof data !== 'object') return [];
  const uuid = String(data.event_uuid ?? '');
  const eventType = data.event_type;
  const payload = (data.payload ?? {}) as Loose;
  if (eventType === 'oauth.revoke') {
    const userId = String(payload.user_id ?? data.filter?.user_id ?? '');
    return ID.test(userId) ? [{ kind: 'revoke', uuid, userId }] : [];
  }
  const userId = String(data.filter?.user_id ?? '');
  if (!uuid || !ID.test(userId)) return [];
  const news: ActivityNews[] = [];
  if (eventType === 'dm.received' || eventType === 'dm.sent') {
    for (const item of (payload.direct_message_events ?? []) as Loose[]) {
      const create = item?.message_create as Loose | undefined;
      const id = String(item?.id ?? '');
      const senderId = String(create?.sender_id ?? '');
      const recipientId = create?.target?.recipient_id === undefined ? undefined : String(create.target.recipient_id);
      if (!ID.test(id) || !ID.test(senderId)) continue;
      // Only sender and recipient name a conversation, and only one of the user's own.
      if (recipientId === undefined || !ID.test(recipientId) || (senderId !== userId && recipientId !== userId)) {
        news.push({ kind: 'unplaced', uuid, userId });
        continue;
      }
      const text = create?.message_data?.text;
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
    for (const item of (payload.direct_message_indicate_typing_events ?? []) as Loose[]) {
      const senderId = String(item?.sender_id ?? '');
      const recipientId = String(item?.target?.recipient_id ?? '');
      if (!ID.test(senderId) || recipientId !== userId || senderId === userId) continue;
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
    for (const item of (payload.direct_message_mark_read_events ?? []) as Loose[]) {
      const readerId = String(item?.sender_id ?? '');
      const recipientId = String(item?.target?.recipient_id ?? '');
      if (!ID.test(readerId) || recipientId !== userId || readerId === userId) continue;
      const last = item?.last_read_event_id === undefined ? undefined : String(item.last_read_event_id);
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
