/**
 * DM media through the gateway: `mint` gives a caller a URL of this gateway for one of their DM media (what
 * `Media.downloadUrl` answers), and `answer` serves such a URL to anyone holding it, with no header, until it expires:
 * bytes from the cache, or fetched from X's download endpoint with the credentials of the caller it was minted for.
 *
 * The order of checks costs nothing before it must: the link's own seal (tampered: 404; expired: 410; no lookup), its
 * record (unknown: 404), the byte cache (in process, then Redis), and only then one call to X, shared by every
 * request for the same caller and media that arrives meanwhile.
 *
 * A link minted for a caller whose X user id is known is kept under that user as well, with the bytes it brings:
 * `forget(userId)` (the user revoked the app) deletes them all, here and in Redis, so the user's URLs answer 404
 * without a call to X. Links minted while the caller's id is not known are not indexed: they expire with the URL TTL.
 */
import { createHash } from 'node:crypto';
import { GatewayError, UpstreamError } from '../errors.js';
import type { UpstreamTransport } from '../upstream/client.js';
import { XSession, type XSessionOptions } from '../upstream/session.js';
import { type CachedMedia, LocalByteCache, type SharedBytes } from './byte-cache.js';
import { type DmMediaIds, contentTypeOf, downloadPath, validIds } from './ids.js';
import { LinkCodec, type LinkRecords, LocalLinkRecords, type MediaLinkRecord } from './links.js';
import { bare, respond } from './respond.js';

/** Settings of DM media (`createGateway`'s `media`). */
export interface MediaOptions {
  /** How long a minted `downloadUrl` keeps working (`MEDIA_URL_TTL_MS`). @default 900000 (15 minutes) */
  urlTtlMs?: number;
  /** The largest media the gateway downloads and serves; a larger one answers 502. @default 32 MiB */
  maxBytes?: number;
  /** Most bytes of media kept in this process. @default 64 MiB */
  cacheBytes?: number;
  /** Most bytes of media kept in Redis, when the store is Redis. @default 256 MiB */
  sharedCacheBytes?: number;
  /**
   * The origin browsers reach the gateway at (`PUBLIC_URL`, e.g. `https://dm.example.com`), for the URLs it mints.
   * @default the origin of the request that asked for them
   */
  publicUrl?: string;
  /** The clock links expire by (ms since the epoch). @default Date.now */
  now?: () => number;
}

/** Where a request was answered from, for logs and metrics. */
export type MediaSource = 'memory' | 'shared' | 'x' | 'none';

export interface MediaAnswer {
  readonly response: Response;
  readonly source: MediaSource;
  /** The session that called X, when one did (its calls, for the log line). */
  readonly x?: XSession;
}

interface MediaServiceOptions extends MediaOptions {
  transport: UpstreamTransport;
  /** The gateway's X session settings: dialect, budgets, metrics of every call, the operation's time limit. */
  session: XSessionOptions;
  /** Seals link ids: the same on every replica sharing a store. */
  linksKey: Buffer;
  /** Links and bytes shared by replicas (Redis). */
  shared?: {
    links: LinkRecords;
    bytes: SharedBytes;
    ready(timeoutMs?: number): Promise<void>;
    /** Deletes every link record and byte entry kept under the user. */
    forget(userId: string): Promise<void>;
  };
  /** Told of what the shared tier failed to do (the request goes on without it). */
  onSharedError?: (error: Error) => void;
}

export const DEFAULT_MEDIA_URL_TTL_MS = 900_000;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export class MediaService {
  readonly urlTtlMs: number;
  private readonly maxBytes: number;
  private readonly codec: LinkCodec;
  private readonly links: LocalLinkRecords;
  private readonly cache: LocalByteCache;
  /** Links minted lately, by caller and media: asked again, the same URL is given while it has half its life left. */
  private readonly minted = new Map<string, { url: string; expiresAt: number; userId?: string }>();
  /** What this process keeps of each user whose links were minted or served here: record keys and byte keys. */
  private readonly owned = new Map<string, { links: Set<string>; bytes: Set<string>; expiresAt: number }>();
  /** Downloads in flight, by caller and media. */
  private readonly fetching = new Map<string, Promise<CachedMedia>>();
  private readonly now: () => number;

  constructor(private readonly options: MediaServiceOptions) {
    this.urlTtlMs = options.urlTtlMs ?? DEFAULT_MEDIA_URL_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.now = options.now ?? Date.now;
    this.codec = new LinkCodec(options.linksKey);
    this.links = new LocalLinkRecords(100_000, this.now);
    this.cache = new LocalByteCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES, this.urlTtlMs, this.now);
  }

  /**
   * A URL of this gateway (`<origin>/media/<link>`) for the DM media `ids`, bound to the caller whose `authorization`
   * header it is: the bytes are fetched with it, and with no one else's. With `userId` (the caller's X user id, when
   * known), the link is kept under that user, to be forgotten with them.
   */
  async mint(
    authorization: string,
    tokenHash: string,
    ids: DmMediaIds,
    requestOrigin: string,
    userId?: string,
  ): Promise<string> {
    const origin = (this.options.publicUrl ?? requestOrigin).replace(/\/+$/, '');
    const memoKey = `${userId ?? ''}\0${tokenHash}\0${downloadPath(ids)}\0${origin}`;
    const now = this.now();
    const known = this.minted.get(memoKey);
    if (known && known.expiresAt - now >= this.urlTtlMs / 2) return known.url;

    const expiresAt = now + this.urlTtlMs;
    const id = this.codec.mint(expiresAt);
    const state = this.codec.check(id, now);
    if (state.state !== 'valid') throw new Error('A freshly minted media link did not open.');
    const record: MediaLinkRecord = {
      authorization,
      tokenHash,
      ids: { ...ids },
      ...(userId !== undefined && { userId }),
      expiresAt,
    };
    await this.links.put(state.key, record);
    if (userId !== undefined) this.own(userId, expiresAt).links.add(state.key);
    const { shared } = this.options;
    // Without Redis answering, the link works on this replica only: better than no image.
    if (shared) await shared.links.put(state.key, record, this.urlTtlMs).catch((error: unknown) => this.report(error));
    const url = `${origin}/media/${id}`;
    this.minted.delete(memoKey);
    this.minted.set(memoKey, { url, expiresAt, ...(userId !== undefined && { userId }) });
    if (this.minted.size > 10_000) this.minted.delete(this.minted.keys().next().value!);
    return url;
  }

  /**
   * Forgets `userId`'s links and cached bytes everywhere: in this process, and in Redis for every replica. Their URLs
   * answer 404 from then on, without a call to X.
   */
  async forget(userId: string): Promise<void> {
    this.forgetLocally(userId);
    await this.options.shared?.forget(userId);
  }

  /** Forgets `userId`'s links and bytes in this process only (another replica forgot them in Redis). */
  forgetLocally(userId: string): void {
    const owned = this.owned.get(userId);
    this.owned.delete(userId);
    for (const key of owned?.links ?? []) this.links.delete(key);
    for (const key of owned?.bytes ?? []) this.cache.delete(key);
    for (const [memoKey, known] of this.minted) if (known.userId === userId) this.minted.delete(memoKey);
  }

  /** What this process keeps of `userId`, kept until `expiresAt` at least; the users longest expired go first. */
  private own(userId: string, expiresAt: number): { links: Set<string>; bytes: Set<string>; expiresAt: number } {
    let owned = this.owned.get(userId);
    if (owned) this.owned.delete(userId);
    owned ??= { links: new Set(), bytes: new Set(), expiresAt };
    owned.expiresAt = Math.max(owned.expiresAt, expiresAt);
    this.owned.set(userId, owned);
    const now = this.now();
    for (const [oldId, old] of this.owned) {
      if (old.expiresAt > now && this.owned.size <= 100_000) break;
      this.owned.delete(oldId);
    }
    return owned;
  }

  /** Resolves once the shared tier (Redis) answers, or at once without one; after `timeoutMs` regardless. */
  ready(timeoutMs?: number): Promise<void> {
    return this.options.shared?.ready(timeoutMs) ?? Promise.resolve();
  }

  /** The answer to a request for `/media/<id>`. */
  async answer(request: Request, id: string, R: typeof Response): Promise<MediaAnswer> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { response: bare(R, 405, { allow: 'GET, HEAD' }), source: 'none' };
    }
    const now = this.now();
    const state = this.codec.check(id, now);
    if (state.state === 'invalid') return { response: bare(R, 404), source: 'none' };
    if (state.state === 'expired') return { response: bare(R, 410), source: 'none' };

    const record = (await this.links.get(state.key)) ?? (await this.sharedLink(state.key));
    if (!record || record.expiresAt !== state.expiresAt || !validIds(record.ids)) {
      return { response: bare(R, 404), source: 'none' };
    }
    const maxAge = (state.expiresAt - now) / 1000;
    const cacheKey = `${record.tokenHash}\0${downloadPath(record.ids)}`;
    // A record read from Redis (minted on another replica) is this process's to forget too, with the bytes it keeps.
    if (record.userId !== undefined) this.own(record.userId, record.expiresAt).links.add(state.key);

    const local = this.cache.get(cacheKey);
    if (local) return { response: respond(R, request, local, maxAge), source: 'memory' };
    const shared = await this.sharedBytes(cacheKey);
    if (shared) {
      if (this.stillOwned(record, state.key)) this.keep(cacheKey, record, shared);
      return { response: respond(R, request, shared, maxAge), source: 'shared' };
    }

    const x = new XSession(this.options.transport, record.authorization, { ...this.options.session, maxCalls: 1 });
    try {
      const media = await this.download(cacheKey, state.key, record, x);
      return { response: respond(R, request, media, maxAge), source: 'x', x };
    } catch (error) {
      return { response: failure(R, error), source: 'x', x };
    }
  }

  /** One download per caller and media at a time; what it brings is kept in both tiers. */
  private download(cacheKey: string, linkKey: string, record: MediaLinkRecord, x: XSession): Promise<CachedMedia> {
    let pending = this.fetching.get(cacheKey);
    if (!pending) {
      pending = (async () => {
        const { bytes, contentType } = await x.download(downloadPath(record.ids), this.maxBytes);
        const media: CachedMedia = {
          bytes,
          contentType: contentTypeOf(record.ids.resource_id, contentType),
          etag: `"${createHash('sha256').update(bytes).digest('base64url')}"`,
        };
        // The user may have been forgotten while X answered: their bytes are then served once and kept nowhere.
        if (!this.stillOwned(record, linkKey)) return media;
        this.keep(cacheKey, record, media);
        const owner = record.userId === undefined ? undefined : { userId: record.userId, linkKey };
        this.options.shared?.bytes
          .put(cacheKey, media, this.urlTtlMs, owner)
          .catch((error: unknown) => this.report(error));
        return media;
      })().finally(() => this.fetching.delete(cacheKey));
      this.fetching.set(cacheKey, pending);
    }
    return pending;
  }

  /** Whether the link's user (if it has one) has not been forgotten here since the link was read. */
  private stillOwned(record: MediaLinkRecord, linkKey: string): boolean {
    return record.userId === undefined || this.owned.get(record.userId)?.links.has(linkKey) === true;
  }

  /** Keeps bytes in this process, under the link's user when it has one. */
  private keep(cacheKey: string, record: MediaLinkRecord, media: CachedMedia): void {
    this.cache.put(cacheKey, media);
    if (record.userId !== undefined) this.own(record.userId, this.now() + this.urlTtlMs).bytes.add(cacheKey);
  }

  private async sharedLink(key: string): Promise<MediaLinkRecord | undefined> {
    try {
      return await this.options.shared?.links.get(key);
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  private async sharedBytes(key: string): Promise<CachedMedia | undefined> {
    try {
      return await this.options.shared?.bytes.get(key);
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  private report(error: unknown): void {
    try {
      this.options.onSharedError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // The listener's failure is its own.
    }
  }
}

/**
 * X's refusal or failure as a bare status: X's 403, 404 and 429 (with `Retry-After`) as they are, its 401 as 403 (the
 * credentials the link was minted with no longer open it), its 400 as 404 (no such media), a timeout as 504, X's 503
 * and 504 as they are, anything else (X's 500, a broken connection, an answer over the size cap) as 502.
 */
function failure(R: typeof Response, error: unknown): Response {
  if (!(error instanceof GatewayError)) return bare(R, 502);
  switch (error.code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return bare(R, 403);
    case 'NOT_FOUND':
    case 'BAD_USER_INPUT':
      return bare(R, 404);
    case 'RATE_LIMITED': {
      const resetAt = (error as { resetAt?: Date }).resetAt;
      const seconds = resetAt ? Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000)) : undefined;
      return bare(R, 429, seconds === undefined ? {} : { 'retry-after': String(seconds) });
    }
    default: {
      const status = error instanceof UpstreamError ? error.status : undefined;
      if (status === 503 || status === 504) return bare(R, status);
      if (status === undefined && /within|did not answer|did not finish/.test(error.message)) return bare(R, 504);
      return bare(R, 502);
    }
  }
}
