/**
 * Each user's Activity API subscriptions at X: created with the user's own token when the user first subscribes
 * (`dm.received` and `dm.sent`; `dm.read` / `dm.indicate_typing` while someone subscribes to receipts or typing),
 * their ids kept in the store (so a restart or another replica reuses them), deleted with the app's token once the
 * user has been idle for `idleMs`, and the longest idle dropped first when the app nears its cap. X's answer to a
 * duplicate or a full cap is not documented: any 4xx means "not subscribed", and the user is polled.
 */
import { GatewayError } from '../errors.js';
import type { IdempotencyStore } from '../store/store.js';
import type { UpstreamTransport } from '../upstream/client.js';
import type { LiveKind } from './live.js';

export type DmActivityType = 'dm.received' | 'dm.sent' | 'dm.read' | 'dm.indicate_typing';

export interface ActivitySubscriptionsOptions {
  readonly transport: UpstreamTransport;
  /** Where the subscriptions' ids are kept (records under a key, with expiry). */
  readonly store: IdempotencyStore;
  /** `Bearer <app token>`: deletes subscriptions (X takes only the app's token there). */
  readonly appAuthorization?: string;
  /** Where deliveries go when they come by webhook. */
  readonly webhookId?: string;
  /** Most subscriptions the app holds at once. @default 1000 */
  readonly maxSubscriptions?: number;
  /** How long a user with no subscriber keeps their subscriptions. @default 3_600_000 (an hour) */
  readonly idleMs?: number;
  /** Told of every subscription X refused (and of every user then polled). */
  readonly onRefused?: (eventType: DmActivityType) => void;
  readonly now?: () => number;
}

interface Held {
  ids: Partial<Record<DmActivityType, string>>;
  /** When the user last had a subscriber (ms); undefined while they have one. */
  idleSince: number | undefined;
}

const RECORD_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const BASE: DmActivityType[] = ['dm.received', 'dm.sent'];

/** What X answers to a subscription it made: the id under `data.subscription` or flat under `data`. */
interface SubscriptionAnswer {
  readonly subscription?: { readonly subscription_id?: unknown };
  readonly subscription_id?: unknown;
}

const recordKey = (userId: string) => `activity\u0000subscriptions\u0000${userId}`;

export class ActivitySubscriptions {
  private readonly held = new Map<string, Held>();
  private readonly creating = new Map<string, Promise<boolean>>();
  private readonly sweeper: NodeJS.Timeout;
  readonly maxSubscriptions: number;
  readonly idleMs: number;
  /** Where new subscriptions send their deliveries (a webhook registered after the gateway started may be set here). */
  webhookId: string | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ActivitySubscriptionsOptions) {
    this.maxSubscriptions = options.maxSubscriptions ?? 1000;
    this.idleMs = options.idleMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
    this.webhookId = options.webhookId;
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, Math.max(1_000, this.idleMs / 4)));
    this.sweeper.unref();
  }

  /** Whether this deployment holds subscriptions for `userId` (a delivery for anyone else is dropped). */
  serves(userId: string): boolean {
    return this.held.has(userId);
  }

  /** Whether any replica sharing the store holds subscriptions for `userId`. */
  async servesAnywhere(userId: string): Promise<boolean> {
    if (this.held.has(userId)) return true;
    const kept = await this.options.store.idempotency(recordKey(userId)).catch(() => undefined);
    return kept !== undefined && Object.keys(kept.answer ?? {}).length > 0;
  }

  /** How many subscriptions the app holds through this deployment. */
  get count(): number {
    let count = 0;
    for (const held of this.held.values()) count += Object.keys(held.ids).length;
    return count;
  }

  /**
   * Makes sure `userId` has the subscriptions `kinds` need, created with the user's own `authorization`. True when X
   * pushes the user's messages (`dm.received` and `dm.sent` in place); false when X refused, and the user is polled.
   */
  ensure(userId: string, authorization: string, kinds: ReadonlySet<LiveKind>): Promise<boolean> {
    const previous = this.creating.get(userId) ?? Promise.resolve(true);
    const run = previous.catch(() => false).then(() => this.ensureNow(userId, authorization, kinds));
    this.creating.set(userId, run);
    const forget = () => {
      if (this.creating.get(userId) === run) this.creating.delete(userId);
    };
    run.then(forget, forget);
    return run;
  }

  private async ensureNow(userId: string, authorization: string, kinds: ReadonlySet<LiveKind>): Promise<boolean> {
    let held = this.held.get(userId);
    if (!held) {
      const kept = await this.options.store.idempotency(recordKey(userId)).catch(() => undefined);
      held = { ids: { ...(kept?.answer as Held['ids'] | undefined) }, idleSince: undefined };
      this.held.set(userId, held);
    }
    held.idleSince = undefined;
    const wanted = [
      ...BASE,
      ...(kinds.has('typing') ? ['dm.indicate_typing' as const] : []),
      ...(kinds.has('read') ? ['dm.read' as const] : []),
    ];
    const missing = wanted.filter((type) => held.ids[type] === undefined);
    if (missing.length > 0) await this.makeRoom(missing.length, userId);
    let refused = false;
    for (const eventType of missing) {
      try {
        const { body } = await this.options.transport.get<{ data?: SubscriptionAnswer }>({
          method: 'POST',
          path: '/2/activity/subscriptions',
          authorization,
          body: {
            event_type: eventType,
            filter: { user_id: userId },
            ...(this.webhookId && { webhook_id: this.webhookId }),
          },
        });
        // X's docs show the subscription under `data.subscription` and flat under `data`: read both.
        const data = body.data;
        const id = data?.subscription?.subscription_id ?? data?.subscription_id;
        if (typeof id !== 'string') throw new Error('X did not name the subscription');
        held.ids[eventType] = id;
      } catch (error) {
        refused = true;
        this.options.onRefused?.(eventType);
        if (!(error instanceof GatewayError)) break;
      }
    }
    await this.save(userId, held);
    return !refused || BASE.every((type) => held.ids[type] !== undefined);
  }

  /** The user has no subscriber now: their subscriptions go once idle for `idleMs`. */
  idle(userId: string): void {
    const held = this.held.get(userId);
    if (held && held.idleSince === undefined) held.idleSince = this.now();
  }

  /** Deletes the subscriptions of users idle for `idleMs`. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.idleMs;
    for (const [userId, held] of [...this.held])
      if (held.idleSince !== undefined && held.idleSince <= cutoff) await this.forget(userId);
  }

  /** Near the cap: the users idle longest lose their subscriptions (they are polled again when they come back). */
  private async makeRoom(needed: number, except: string): Promise<void> {
    const idle = [...this.held]
      .filter(([userId, held]) => userId !== except && held.idleSince !== undefined)
      .sort((a, b) => a[1].idleSince! - b[1].idleSince!);
    while (this.count + needed > this.maxSubscriptions && idle.length > 0) await this.forget(idle.shift()![0]);
  }

  /** Deletes every subscription of `userId` at X (the app's token) and in the store. */
  async forget(userId: string): Promise<void> {
    const held = this.held.get(userId);
    this.held.delete(userId);
    const ids = Object.values(held?.ids ?? {});
    const kept = await this.options.store.idempotency(recordKey(userId)).catch(() => undefined);
    for (const id of Object.values((kept?.answer ?? {}) as Record<string, string>)) if (!ids.includes(id)) ids.push(id);
    await this.options.store.forgetIdempotency(recordKey(userId)).catch(() => undefined);
    if (!this.options.appAuthorization) return;
    for (const id of ids) {
      await this.options.transport
        .get({
          method: 'DELETE',
          path: `/2/activity/subscriptions/${encodeURIComponent(id)}`,
          authorization: this.options.appAuthorization,
        })
        .catch(() => undefined);
    }
  }

  private async save(userId: string, held: Held): Promise<void> {
    const answer = held.ids as Record<string, string>;
    await this.options.store
      .putIdempotency(
        recordKey(userId),
        { fingerprint: 'activity', state: 'done', answer, at: this.now() },
        RECORD_TTL_MS,
      )
      .catch(() => undefined);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
