/**
 * The one connection of a deployment to X's Activity API stream (`GET /2/activity/stream`, the app's bearer token and
 * no other). Newline-delimited JSON; blank lines are X's keep-alives (at least every 20 s: a stream silent for
 * `silenceMs` is taken as dead). It reconnects by X's rules (network errors: +250 ms up to 16 s; HTTP errors: 5 s
 * doubling to 320 s; 429: 1 minute doubling) and asks for what it missed with `backfill_minutes` (at most 5); a gap
 * longer than that is reported (`onGap`) so that every subscribed user is synced once.
 *
 * Replicas: only the holder of the lease (`lease()`, renewed every `leaseCheckMs`) connects; the others check the
 * lease as often and take over when it lapses.
 */
import { Agent, request } from 'undici';

export interface ActivityStreamOptions {
  /** X's origin (`https://api.x.com`). */
  readonly baseUrl: string;
  /** `Bearer <app token>`: sent on this connection only. */
  readonly appAuthorization: string;
  /** Each line of JSON X sends. */
  readonly onLine: (value: unknown) => void;
  /** The stream was down for `ms`, longer than X can replay. */
  readonly onGap: (ms: number) => void;
  /** Whether this replica may hold the stream now (takes or renews the lease). @default always */
  readonly lease?: () => Promise<boolean>;
  /** Lets the lease go (on close). */
  readonly release?: () => Promise<void>;
  /** How often the lease is renewed or checked. @default 3000 */
  readonly leaseCheckMs?: number;
  /** A stream silent this long is reconnected. @default 30000 */
  readonly silenceMs?: number;
  /** Told of each connection state change. */
  readonly onState?: (state: 'connected' | 'disconnected', detail?: string) => void;
}

const MAX_BACKFILL_MS = 5 * 60_000;

export class ActivityStream {
  private closed = false;
  private abort: AbortController | undefined;
  private lastSeen: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly agent = new Agent({ keepAliveTimeout: 1_000 });
  private failures = { network: 0, http: 0, limited: 0 };
  /** Whether this replica holds the stream now. */
  holding = false;
  /** How many times it has connected. */
  connections = 0;

  constructor(private readonly options: ActivityStreamOptions) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    const leaseCheckMs = this.options.leaseCheckMs ?? 3_000;
    const mine = this.options.lease ? await this.options.lease().catch(() => false) : true;
    if (!mine) {
      this.holding = false;
      return this.schedule(leaseCheckMs);
    }
    this.holding = true;
    const backfillMinutes =
      this.lastSeen === undefined ? 0 : Math.min(5, Math.ceil((Date.now() - this.lastSeen) / 60_000));
    if (this.lastSeen !== undefined && Date.now() - this.lastSeen > MAX_BACKFILL_MS)
      this.options.onGap(Date.now() - this.lastSeen);
    const abort = new AbortController();
    this.abort = abort;
    const renew = setInterval(() => {
      const lease = this.options.lease;
      if (lease)
        void lease().then(
          (still) => !still && abort.abort(),
          () => abort.abort(),
        );
      // X sends a keep-alive at least every 20 s: silence is a dead connection.
      if (this.lastSeen !== undefined && Date.now() - this.lastSeen > (this.options.silenceMs ?? 30_000)) abort.abort();
    }, leaseCheckMs);
    renew.unref();
    let delay = 0;
    try {
      const url = new URL('/2/activity/stream', this.options.baseUrl);
      if (backfillMinutes > 0) url.searchParams.set('backfill_minutes', String(backfillMinutes));
      const response = await request(url, {
        method: 'GET',
        headers: { authorization: this.options.appAuthorization, accept: 'application/json' },
        signal: abort.signal,
        dispatcher: this.agent,
        headersTimeout: 10_000,
        bodyTimeout: 0,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        if (response.statusCode === 429) {
          delay = 60_000 * 2 ** Math.min(this.failures.limited++, 4);
        } else {
          delay = Math.min(320_000, 5_000 * 2 ** this.failures.http++);
        }
        this.options.onState?.('disconnected', `HTTP ${response.statusCode}`);
        return;
      }
      this.connections += 1;
      this.lastSeen = Date.now();
      this.options.onState?.('connected');
      let buffer = '';
      for await (const chunk of response.body) {
        this.lastSeen = Date.now();
        this.failures = { network: 0, http: 0, limited: 0 };
        buffer += (chunk as Buffer).toString('utf8');
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end).trim();
          buffer = buffer.slice(end + 1);
          if (line === '') continue;
          try {
            this.options.onLine(JSON.parse(line));
          } catch {
            // A line that is not JSON is skipped; the stream goes on.
          }
        }
      }
      delay = 250;
      this.options.onState?.('disconnected', 'stream ended');
    } catch (error) {
      delay = Math.min(16_000, 250 * ++this.failures.network);
      this.options.onState?.('disconnected', (error as Error).message);
    } finally {
      clearInterval(renew);
      this.abort = undefined;
      this.schedule(delay);
    }
  }

  /** Cuts the connection now (it reconnects by itself); for tests and lease loss. */
  disconnect(): void {
    this.abort?.abort();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    if (this.holding) await this.options.release?.().catch(() => undefined);
    await this.agent.close().catch(() => undefined);
  }
}
