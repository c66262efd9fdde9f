/**
 * X's Activity API, as the sandbox speaks it (production spec 2.167, `/2/activity/*` and `/2/webhooks*`; X's docs
 * `x-api/activity/*` and `x-api/webhooks/*`):
 *
 * - `POST /2/activity/subscriptions` `{ event_type, filter: { user_id }, tag?, webhook_id? }` with the user's own token
 *   (`filter.user_id` must be the token's user: 403 otherwise) or the app's; a duplicate is a 409 and a full cap a 429
 *   (X documents neither: a client takes any 4xx as "not subscribed"). `GET` lists, `DELETE /{id}` and `DELETE ?ids=`
 *   remove (the app's bearer token only).
 * - `GET /2/activity/stream` (the app's bearer token only): newline-delimited JSON, a blank keep-alive line every
 *   `keepAliveMs`, `backfill_minutes` (0-5) replays what was emitted in those minutes, at most two connections (a third
 *   is a 429). `dropStreams()` cuts every open stream, for tests of reconnection.
 * - `POST /2/webhooks { url }` (app token): X checks the URL with a CRC (`GET url?crc_token=T`, answered with
 *   `sha256=base64(HMAC-SHA256(consumer secret, T))`) before it takes it. Events of subscriptions with a `webhook_id`
 *   are POSTed there, signed in `x-twitter-webhooks-signature` over the raw body.
 *
 * Payloads are X's legacy `direct_message_events` shape (with `users`); typing and read receipts use the Account
 * Activity API's shapes, which X's docs point to. A group message's payload names no recipient.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DmEvent } from '../x/wire.js';
import type { DemoStore } from './store.js';
import type { StoredUser } from './types.js';

export const ACTIVITY_DM_EVENT_TYPES = ['dm.received', 'dm.sent', 'dm.read', 'dm.indicate_typing'] as const;
export type ActivityEventType = (typeof ACTIVITY_DM_EVENT_TYPES)[number];

export interface ActivitySubscription {
  subscription_id: string;
  event_type: ActivityEventType;
  filter: { user_id: string };
  webhook_id?: string;
  tag?: string;
  created_at: string;
  updated_at: string;
}

export interface SandboxActivityOptions {
  /** Most subscriptions the app may hold (X: 1,500 self-serve). @default 1500 */
  maxSubscriptions?: number;
  /** Pause between two keep-alive lines on a stream (X: at most 20 s). @default 20000 */
  keepAliveMs?: number;
  /** The app's consumer secret: signs webhook deliveries and CRC answers. @default 'sandbox-consumer-secret' */
  consumerSecret?: string;
  /** The app's id in `oauth.revoke` payloads. @default '1000000001' */
  appId?: string;
}

interface Emitted {
  at: number;
  line: string;
  subscription?: ActivitySubscription;
}

/** How long emitted events are kept for backfill: X replays at most 5 minutes. */
const BACKFILL_KEEP_MS = 5 * 60_000;
const MAX_STREAMS = 2;

export class SandboxActivity {
  readonly subscriptions = new Map<string, ActivitySubscription>();
  readonly webhooks = new Map<string, { id: string; url: string; valid: boolean; created_at: string }>();
  /** Every envelope emitted, oldest first (what a stream with `backfill_minutes` replays). */
  private readonly emitted: Emitted[] = [];
  private readonly streams = new Set<ServerResponse>();
  private nextId = 1_900_000_000_000_000_000n;
  maxSubscriptions: number;
  readonly keepAliveMs: number;
  readonly consumerSecret: string;
  readonly appId: string;
  /** Webhook deliveries that failed (status or network), for tests. */
  readonly failedDeliveries: { url: string; status: number }[] = [];
  /** Told of every stream connection opened and closed, for tests that wait on it. */
  onStreamChange?: (open: number) => void;

  constructor(
    private readonly store: DemoStore,
    options: SandboxActivityOptions = {},
  ) {
    this.maxSubscriptions = options.maxSubscriptions ?? 1500;
    this.keepAliveMs = options.keepAliveMs ?? 20_000;
    this.consumerSecret = options.consumerSecret ?? 'sandbox-consumer-secret';
    this.appId = options.appId ?? '1000000001';
  }

  /** How many streams are open. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Cuts every open stream (a network failure, as a client sees it). */
  dropStreams(): void {
    for (const res of [...this.streams]) res.destroy();
  }

  close(): void {
    this.dropStreams();
  }

  private id(): string {
    this.nextId += 1n;
    return String(this.nextId);
  }

  // --- emitting -------------------------------------------------------------------------------------------------

  /** A message was written at X: `dm.sent` to its sender, `dm.received` to the other members. */
  message(event: DmEvent): void {
    const conversation = event.dm_conversation_id ? this.store.conversation(event.dm_conversation_id) : undefined;
    if (!conversation || !event.sender_id) return;
    const others = conversation.participantIds.filter((id) => id !== event.sender_id);
    const legacy = {
      type: 'message_create',
      id: event.id,
      created_timestamp: String(Date.parse(event.created_at ?? new Date().toISOString())),
      message_create: {
        // Only a one-to-one message names its recipient; X documents no group shape.
        target: conversation.group ? {} : { recipient_id: others[0]! },
        sender_id: event.sender_id,
        message_data: { text: event.text ?? '', entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } },
      },
    };
    const payload = { direct_message_events: [legacy], users: this.usersOf([event.sender_id, ...others]) };
    this.emit('dm.sent', event.sender_id, payload);
    for (const other of others) this.emit('dm.received', other, payload);
  }

  /** `senderId` types in a conversation: `dm.indicate_typing` to the other members. */
  typing(conversationId: string, senderId: string): void {
    const conversation = this.store.conversation(conversationId);
    if (!conversation) throw new Error(`The sandbox has no conversation ${conversationId}.`);
    for (const other of conversation.participantIds.filter((id) => id !== senderId)) {
      const payload = {
        direct_message_indicate_typing_events: [
          {
            created_timestamp: String(Date.now()),
            sender_id: senderId,
            target: conversation.group ? {} : { recipient_id: other },
          },
        ],
        users: this.usersOf([senderId, other]),
      };
      this.emit('dm.indicate_typing', other, payload);
    }
  }

  /** `readerId` read a conversation up to `lastReadEventId`: `dm.read` to the other members. */
  read(conversationId: string, readerId: string, lastReadEventId: string): void {
    const conversation = this.store.conversation(conversationId);
    if (!conversation) throw new Error(`The sandbox has no conversation ${conversationId}.`);
    for (const other of conversation.participantIds.filter((id) => id !== readerId)) {
      const payload = {
        direct_message_mark_read_events: [
          {
            created_timestamp: String(Date.now()),
            sender_id: readerId,
            target: conversation.group ? {} : { recipient_id: other },
            last_read_event_id: lastReadEventId,
          },
        ],
        users: this.usersOf([readerId, other]),
      };
      this.emit('dm.read', other, payload);
    }
  }

  /** `userId` revoked the app: `oauth.revoke` to every stream, and the user's subscriptions are gone. */
  revoke(userId: string): void {
    for (const [id, subscription] of this.subscriptions)
      if (subscription.filter.user_id === userId) this.subscriptions.delete(id);
    const envelope = {
      data: {
        event_uuid: randomUUID(),
        event_type: 'oauth.revoke',
        filter: {},
        payload: { date_time: new Date().toISOString(), user_id: userId, app_id: this.appId },
      },
    };
    this.publish({ at: Date.now(), line: JSON.stringify(envelope) }, undefined);
  }

  /** Sends one envelope again, exactly as it went the first time (X delivers at least once). */
  repeatLast(): void {
    const last = this.emitted.at(-1);
    if (last) this.publish(last, last.subscription?.webhook_id);
  }

  private usersOf(ids: readonly string[]): Record<string, { data: Record<string, unknown> }> {
    const users: Record<string, { data: Record<string, unknown> }> = {};
    for (const id of ids) {
      const user = this.store.users.get(id);
      if (user) users[id] = { data: { id: user.id, name: user.name, username: user.username } };
    }
    return users;
  }

  private emit(eventType: ActivityEventType, userId: string, payload: unknown): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.event_type !== eventType || subscription.filter.user_id !== userId) continue;
      const envelope = {
        data: {
          event_uuid: this.id(),
          event_type: eventType,
          filter: { user_id: userId },
          ...(subscription.tag !== undefined && { tag: subscription.tag }),
          payload,
        },
      };
      this.publish({ at: Date.now(), line: JSON.stringify(envelope), subscription }, subscription.webhook_id);
    }
  }

  private publish(item: Emitted, webhookId: string | undefined): void {
    this.emitted.push(item);
    while (this.emitted.length > 0 && this.emitted[0]!.at < Date.now() - BACKFILL_KEEP_MS) this.emitted.shift();
    for (const res of this.streams) res.write(`${item.line}\r\n`);
    const targets = webhookId ? [this.webhooks.get(webhookId)] : item.subscription ? [] : [...this.webhooks.values()];
    for (const webhook of targets) if (webhook?.valid) void this.deliver(webhook.url, item.line);
  }

  private async deliver(url: string, body: string): Promise<void> {
    const signature = `sha256=${createHmac('sha256', this.consumerSecret).update(body).digest('base64')}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
        body,
      });
      await response.arrayBuffer();
      if (!response.ok) this.failedDeliveries.push({ url, status: response.status });
    } catch {
      this.failedDeliveries.push({ url, status: 0 });
    }
  }

  // --- HTTP -----------------------------------------------------------------------------------------------------

  /**
   * Answers a call under `/2/activity` or `/2/webhooks`; false when the path is not one of them. `user` is the token's
   * demo user (undefined for the app's token, `app` true then).
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    auth: { app: boolean; user: StoredUser | undefined },
    body: () => Promise<string>,
  ): boolean {
    const path = url.pathname;
    if (!path.startsWith('/2/activity') && !path.startsWith('/2/webhooks')) return false;
    const send = (status: number, answer: unknown) => {
      const text = JSON.stringify(answer);
      res.writeHead(status, {
        'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const problem = (status: number, title: string, detail: string) =>
      send(status, { title, detail, type: 'about:blank', status });
    if (!auth.app && !auth.user) {
      problem(401, 'Unauthorized', 'Unauthorized');
      return true;
    }
    const appOnly = () => {
      if (auth.app) return true;
      problem(
        403,
        'Unsupported Authentication',
        'Authenticating with OAuth 2.0 User Context is forbidden for this endpoint. Supported authentication types are [OAuth 2.0 Application-Only].',
      );
      return false;
    };
    const method = req.method ?? 'GET';
    if (path === '/2/activity/stream' && method === 'GET') {
      if (appOnly()) this.openStream(url, res, problem);
      return true;
    }
    if (path === '/2/activity/subscriptions') {
      if (method === 'POST') {
        void body().then((text) => this.create(text, auth, send, problem));
        return true;
      }
      if (method === 'GET') {
        const data = [...this.subscriptions.values()].filter((s) => auth.app || s.filter.user_id === auth.user!.id);
        send(200, { data, meta: { total_subscriptions: data.length } });
        return true;
      }
      if (method === 'DELETE') {
        if (!appOnly()) return true;
        const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
        if (ids.length < 1 || ids.length > 100) {
          problem(400, 'Invalid Request', 'ids must hold 1 to 100 subscription ids.');
          return true;
        }
        send(200, {
          data: ids.map((id) => ({ subscription_id: id, deleted: this.subscriptions.delete(id) })),
          meta: { total_subscriptions: this.subscriptions.size },
        });
        return true;
      }
    }
    const one = /^\/2\/activity\/subscriptions\/([0-9]{1,19})$/.exec(path);
    if (one && method === 'DELETE') {
      if (!appOnly()) return true;
      if (!this.subscriptions.delete(one[1]!))
        problem(404, 'Not Found Error', `Could not find subscription with id: [${one[1]}].`);
      else send(200, { data: { deleted: true } });
      return true;
    }
    if (path === '/2/webhooks' && method === 'POST') {
      if (appOnly()) void body().then((text) => this.register(text, send, problem));
      return true;
    }
    if (path === '/2/webhooks' && method === 'GET') {
      if (appOnly()) send(200, { data: [...this.webhooks.values()], meta: { result_count: this.webhooks.size } });
      return true;
    }
    problem(404, 'Not Found Error', 'Not found');
    return true;
  }

  private create(
    text: string,
    auth: { app: boolean; user: StoredUser | undefined },
    send: (status: number, body: unknown) => void,
    problem: (status: number, title: string, detail: string) => void,
  ): void {
    let input: { event_type?: unknown; filter?: { user_id?: unknown }; webhook_id?: unknown; tag?: unknown };
    try {
      input = JSON.parse(text) as typeof input;
    } catch {
      return problem(400, 'Invalid Request', 'The request body is not JSON.');
    }
    const eventType = input.event_type;
    const userId = input.filter?.user_id;
    if (typeof eventType !== 'string' || !(ACTIVITY_DM_EVENT_TYPES as readonly string[]).includes(eventType)) {
      return problem(400, 'Invalid Request', `event_type must be one of ${ACTIVITY_DM_EVENT_TYPES.join(', ')}.`);
    }
    if (typeof userId !== 'string' || !/^[0-9]{1,19}$/.test(userId))
      return problem(400, 'Invalid Request', 'filter.user_id must be a user id.');
    // DM events are private: a user token subscribes only its own user.
    if (auth.user && auth.user.id !== userId)
      return problem(403, 'Forbidden', 'filter.user_id must be the authenticating user.');
    const webhookId = input.webhook_id;
    if (webhookId !== undefined && (typeof webhookId !== 'string' || !this.webhooks.has(webhookId)))
      return problem(400, 'Invalid Request', 'Unknown webhook_id.');
    for (const s of this.subscriptions.values()) {
      if (s.event_type === eventType && s.filter.user_id === userId)
        return problem(409, 'Conflict', 'A subscription with this event_type and filter exists.');
    }
    if (this.subscriptions.size >= this.maxSubscriptions)
      return problem(429, 'Too Many Requests', 'The app holds as many subscriptions as it may.');
    const now = new Date().toISOString();
    const subscription: ActivitySubscription = {
      subscription_id: this.id(),
      event_type: eventType as ActivityEventType,
      filter: { user_id: userId },
      ...(webhookId !== undefined && { webhook_id: webhookId }),
      ...(typeof input.tag === 'string' && { tag: input.tag }),
      created_at: now,
      updated_at: now,
    };
    this.subscriptions.set(subscription.subscription_id, subscription);
    send(200, { data: { subscription } });
  }

  private async register(
    text: string,
    send: (status: number, body: unknown) => void,
    problem: (status: number, title: string, detail: string) => void,
  ): Promise<void> {
    let url: string;
    try {
      const { url: sent } = JSON.parse(text) as { url?: unknown };
      url = typeof sent === 'string' ? sent : '';
      new URL(url);
    } catch {
      return problem(400, 'Invalid Request', 'url must be a URL.');
    }
    // X checks the URL with a CRC challenge before it takes it.
    const crcToken = randomUUID();
    const expected = `sha256=${createHmac('sha256', this.consumerSecret).update(crcToken).digest('base64')}`;
    try {
      const target = new URL(url);
      target.searchParams.set('crc_token', crcToken);
      const response = await fetch(target);
      const answer = (await response.json()) as { response_token?: string };
      if (!response.ok || answer.response_token !== expected)
        return problem(400, 'Invalid Request', 'The webhook URL did not answer the CRC check.');
    } catch {
      return problem(400, 'Invalid Request', 'The webhook URL could not be reached for the CRC check.');
    }
    const webhook = { id: this.id(), url, valid: true, created_at: new Date().toISOString() };
    this.webhooks.set(webhook.id, webhook);
    send(200, { data: webhook });
  }

  private openStream(
    url: URL,
    res: ServerResponse,
    problem: (status: number, title: string, detail: string) => void,
  ): void {
    const raw = url.searchParams.get('backfill_minutes');
    const backfill = raw === null ? 0 : Number(raw);
    if (!Number.isInteger(backfill) || backfill < 0 || backfill > 5)
      return problem(400, 'Invalid Request', 'backfill_minutes must be 0 to 5.');
    if (this.streams.size >= MAX_STREAMS)
      return problem(429, 'Too Many Requests', 'This app has reached its limit of 2 stream connections.');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    this.streams.add(res);
    this.onStreamChange?.(this.streams.size);
    const since = Date.now() - backfill * 60_000;
    if (backfill > 0) for (const item of this.emitted) if (item.at >= since) res.write(`${item.line}\r\n`);
    const keepAlive = setInterval(() => res.write('\r\n'), this.keepAliveMs);
    keepAlive.unref();
    res.on('close', () => {
      clearInterval(keepAlive);
      this.streams.delete(res);
      this.onStreamChange?.(this.streams.size);
    });
    // Headers out at once, so the client knows it is connected.
    res.flushHeaders();
  }
}
