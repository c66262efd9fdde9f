/**
 * Media bytes already fetched from X, kept so that a browser's next load, a range request of a video being sought, or
 * another tab costs no call. Keyed by the caller (a hash of the token the link was minted for) and the media's ids:
 * bytes one caller fetched are never served on another caller's link without X being asked for that caller.
 *
 * In process: least recently used first, at most `maxBytes` in all, each entry at most `ttlMs` old. With Redis, a
 * second tier (`shared.ts`) that every replica reads.
 */

/** One media file as served. */
export interface CachedMedia {
  readonly bytes: Buffer;
  readonly contentType: string;
  /** A strong validator of the bytes (a hash of them, quoted). */
  readonly etag: string;
}

/** Where bytes are shared between replicas (Redis). */
export interface SharedBytes {
  get(key: string): Promise<CachedMedia | undefined>;
  /**
   * Keeps `media` for `ttlMs`. With `owner`, under that user too, and only while the link `owner.linkKey` is still
   * theirs: bytes of a user forgotten meanwhile are not kept.
   */
  put(key: string, media: CachedMedia, ttlMs: number, owner?: { userId: string; linkKey: string }): Promise<void>;
}

interface Entry {
  readonly media: CachedMedia;
  readonly expiresAt: number;
}

export class LocalByteCache {
  private readonly entries = new Map<string, Entry>();
  private size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.size;
  }

  get(key: string): CachedMedia | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.size -= entry.media.bytes.length;
      return undefined;
    }
    // Most recently used last.
    this.entries.set(key, entry);
    return entry.media;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.size -= entry.media.bytes.length;
  }

  /** Keeps `media` unless it alone is larger than the cache; the least recently used go to make room. */
  put(key: string, media: CachedMedia): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.size -= old.media.bytes.length;
    }
    if (media.bytes.length > this.maxBytes) return;
    this.entries.set(key, { media, expiresAt: this.now() + this.ttlMs });
    this.size += media.bytes.length;
    for (const [oldKey, entry] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.size -= entry.media.bytes.length;
    }
  }
}
