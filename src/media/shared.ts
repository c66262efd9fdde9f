/**
 * Media links and bytes in Redis, shared by every replica. Nothing readable at rest: values are sealed with
 * AES-256-GCM under a key derived from `STORE_KEY`, bound to their key name (`store/crypto.ts`), and key names are
 * keyed hashes. With the default prefix `xdm:`:
 *
 * | key | type | holds | expires |
 * |---|---|---|---|
 * | `xdm:ml:<h(link)>` | string | the sealed link record (the caller's credentials, the media's ids, the expiry) | when the link does |
 * | `xdm:mb:<h(caller, media)>` | string | the sealed bytes, with their content type and ETag | `ttlMs` after they were fetched |
 * | `xdm:mb-index` | sorted set | the byte entries by the time they were kept: the oldest go first past `maxBytes` | `ttlMs` after the last write |
 * | `xdm:mb-sizes` | hash | each entry's size, and the total under `""` | as above |
 *
 * So Redis holds at most `maxBytes` of media (plus 29 bytes per entry of sealing), each entry at most `maxEntryBytes`.
 * Every command has a short timeout and nothing is queued while Redis is away: a failure is a miss, never a wait.
 */
import { Redis } from 'ioredis';
import { type StoreKeys, deriveStoreKeys, hashName, open, seal } from '../store/crypto.js';
import type { CachedMedia, SharedBytes } from './byte-cache.js';
import type { LinkRecords, MediaLinkRecord } from './links.js';

export interface SharedMediaOptions {
  url: string;
  storeKey: string;
  /** @default 'xdm:' */
  keyPrefix?: string;
  /** Most bytes of media Redis keeps. @default 256 MiB */
  maxBytes?: number;
  /** The largest media Redis keeps. @default 16 MiB */
  maxEntryBytes?: number;
  /** @default 500 */
  commandTimeoutMs?: number;
  /** Told of what was swallowed (a failing Redis, a value that could not be opened). */
  onError?: (error: Error) => void;
}

/**
 * Keeps one entry and lets the oldest go while the total is over the bound (expired entries first).
 * KEYS: index, sizes, entry. ARGV: member, sealed value, size, ttl (ms), most bytes, entry key prefix.
 */
const PUT_BYTES = `
local index, sizes, entry = KEYS[1], KEYS[2], KEYS[3]
local member, ttl, maxBytes, prefix = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function drop(m)
  local n = tonumber(redis.call('HGET', sizes, m) or '0')
  redis.call('HDEL', sizes, m)
  redis.call('HINCRBY', sizes, '', -n)
  redis.call('ZREM', index, m)
  redis.call('DEL', prefix .. m)
end
if redis.call('ZSCORE', index, member) then drop(member) end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now - ttl, 'LIMIT', 0, 100)) do drop(m) end
redis.call('SET', entry, ARGV[2], 'PX', ttl)
redis.call('ZADD', index, now, member)
redis.call('HSET', sizes, member, ARGV[3])
local total = redis.call('HINCRBY', sizes, '', tonumber(ARGV[3]))
while total > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then break end
  drop(oldest)
  total = tonumber(redis.call('HGET', sizes, '') or '0')
end
redis.call('PEXPIRE', index, ttl)
redis.call('PEXPIRE', sizes, ttl)
return total
`;

export class SharedMedia {
  private readonly client: Redis;
  private readonly keys: StoreKeys;
  private readonly prefix: string;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private readonly onError: (error: Error) => void;

  constructor(options: SharedMediaOptions) {
    this.keys = deriveStoreKeys(options.storeKey);
    this.prefix = options.keyPrefix ?? 'xdm:';
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.maxEntryBytes = options.maxEntryBytes ?? 16 * 1024 * 1024;
    this.onError = options.onError ?? (() => {});
    this.client = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: 1000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    });
    this.client.on('error', (error: Error) => this.onError(new Error(`media in Redis: ${error.message}`)));
  }

  /** Resolves once Redis answers (tests), or after `timeoutMs` regardless. */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The bytes tier alone, as the byte cache sees it. */
  bytesTier(): SharedBytes {
    return { get: (key) => this.getBytes(key), put: (key, media, ttlMs) => this.putBytes(key, media, ttlMs) };
  }

  /** The links tier alone. */
  linksTier(): LinkRecords {
    return { get: (key) => this.getLink(key), put: (key, record, ttlMs) => this.putLink(key, record, ttlMs) };
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async getLink(key: string): Promise<MediaLinkRecord | undefined> {
    const name = `${this.prefix}ml:${hashName(this.keys, 'ml', key)}`;
    const sealed = await this.client.getBuffer(name);
    const plain = sealed && this.open(name, sealed);
    if (!plain) return undefined;
    try {
      const record = JSON.parse(plain.toString('utf8')) as MediaLinkRecord;
      return typeof record.authorization === 'string' && typeof record.expiresAt === 'number' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  private async putLink(key: string, record: MediaLinkRecord, ttlMs: number): Promise<void> {
    const name = `${this.prefix}ml:${hashName(this.keys, 'ml', key)}`;
    await this.client.set(name, seal(this.keys, name, JSON.stringify(record)), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  /** An entry's value: a 4-byte length, the JSON of its content type and ETag, then the bytes; all sealed. */
  private async getBytes(key: string): Promise<CachedMedia | undefined> {
    const member = hashName(this.keys, 'mb', key);
    const name = `${this.prefix}mb:${member}`;
    const sealed = await this.client.getBuffer(name);
    const plain = sealed && this.open(name, sealed);
    if (!plain || plain.length < 4) return undefined;
    const headLength = plain.readUInt32BE(0);
    try {
      const head = JSON.parse(plain.subarray(4, 4 + headLength).toString('utf8')) as { contentType: string; etag: string };
      return { contentType: head.contentType, etag: head.etag, bytes: plain.subarray(4 + headLength) };
    } catch {
      return undefined;
    }
  }

  private async putBytes(key: string, media: CachedMedia, ttlMs: number): Promise<void> {
    if (media.bytes.length > this.maxEntryBytes || media.bytes.length > this.maxBytes) return;
    const member = hashName(this.keys, 'mb', key);
    const name = `${this.prefix}mb:${member}`;
    const head = Buffer.from(JSON.stringify({ contentType: media.contentType, etag: media.etag }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    const value = seal(this.keys, name, Buffer.concat([length, head, media.bytes]));
    await this.client.eval(
      PUT_BYTES,
      3,
      `${this.prefix}mb-index`,
      `${this.prefix}mb-sizes`,
      name,
      member,
      value,
      value.length,
      Math.max(1, Math.ceil(ttlMs)),
      this.maxBytes,
      `${this.prefix}mb:`,
    );
  }

  private open(name: string, sealed: Buffer): Buffer | undefined {
    const plain = open(this.keys, name, sealed);
    if (!plain) this.onError(new Error('media in Redis: a value could not be opened (another STORE_KEY, or altered)'));
    return plain;
  }
}
