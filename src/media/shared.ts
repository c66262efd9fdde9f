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
| `xdm:mu:<h(user)>` | set | the links (`l:<h(link)>`) and byte entries (`b:<h(caller, media)>`) kept for a user whose id was known: what `forget` deletes | with the last of them |
 *
 * So Redis holds at most `maxBytes` of media (plus 29 bytes per entry of sealing), each entry at most `maxEntryBytes`.
 * Every command has a short timeout and nothing is queued while Redis is away: a failure is a miss, never a wait.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../store/ioredis.js';
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

/** Keeps a link's record, and its name in its user's index. KEYS: record, user index. ARGV: sealed value, ttl, member. */
const PUT_LINK = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('SADD', KEYS[2], ARGV[3])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
`;

/**
 * Deletes what a user's index names (links and byte entries, their sizes counted off the total), then the index.
 * KEYS: user index, bytes index, sizes. ARGV: key prefix.
 */
const FORGET_USER = `
local owned, index, sizes, prefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
for _, m in ipairs(redis.call('SMEMBERS', owned)) do
  local kind, name = string.sub(m, 1, 2), string.sub(m, 3)
  if kind == 'l:' then
    redis.call('DEL', prefix .. 'ml:' .. name)
  elseif kind == 'b:' then
    local n = tonumber(redis.call('HGET', sizes, name) or '0')
    redis.call('HDEL', sizes, name)
    redis.call('HINCRBY', sizes, '', -n)
    redis.call('ZREM', index, name)
    redis.call('DEL', prefix .. 'mb:' .. name)
  end
end
return redis.call('DEL', owned)
`;

/**
 * Keeps one entry and lets the oldest go while the total is over the bound (expired entries first).
 * KEYS: index, sizes, entry, and the user's index when the link has a user. ARGV: member, sealed value, size, ttl (ms),
 * most bytes, entry key prefix, and with a user: the link's member of their index (nothing is kept once it is gone: the
 * user was forgotten), the entry's.
 */
const PUT_BYTES = `
local index, sizes, entry, owned = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local member, ttl, maxBytes, prefix = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
if owned and redis.call('SISMEMBER', owned, ARGV[7]) == 0 then return -1 end
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
if owned then
  redis.call('SADD', owned, ARGV[8])
  if redis.call('PTTL', owned) < ttl then redis.call('PEXPIRE', owned, ttl) end
end
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
    this.client = connectRedis(options.url, {
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
    return {
      get: (key) => this.getBytes(key),
      put: (key, media, ttlMs, owner) => this.putBytes(key, media, ttlMs, owner),
    };
  }

  /** The links tier alone. */
  linksTier(): LinkRecords {
    return { get: (key) => this.getLink(key), put: (key, record, ttlMs) => this.putLink(key, record, ttlMs) };
  }

  /** Deletes every link record and byte entry kept under `userId`, and their index. */
  async forget(userId: string): Promise<void> {
    await this.client.eval(
      FORGET_USER,
      3,
      this.userIndex(userId),
      `${this.prefix}mb-index`,
      `${this.prefix}mb-sizes`,
      this.prefix,
    );
  }

  private userIndex(userId: string): string {
    return `${this.prefix}mu:${hashName(this.keys, 'mu', userId)}`;
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
    const hashed = hashName(this.keys, 'ml', key);
    const name = `${this.prefix}ml:${hashed}`;
    const value = seal(this.keys, name, JSON.stringify(record));
    const ttl = Math.max(1, Math.ceil(ttlMs));
    if (record.userId === undefined) await this.client.set(name, value, 'PX', ttl);
    else await this.client.eval(PUT_LINK, 2, name, this.userIndex(record.userId), value, ttl, `l:${hashed}`);
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
      const head = JSON.parse(plain.subarray(4, 4 + headLength).toString('utf8')) as {
        contentType: string;
        etag: string;
      };
      return { contentType: head.contentType, etag: head.etag, bytes: plain.subarray(4 + headLength) };
    } catch {
      return undefined;
    }
  }

  private async putBytes(
    key: string,
    media: CachedMedia,
    ttlMs: number,
    owner?: { userId: string; linkKey: string },
  ): Promise<void> {
    if (media.bytes.length > this.maxEntryBytes || media.bytes.length > this.maxBytes) return;
    const member = hashName(this.keys, 'mb', key);
    const name = `${this.prefix}mb:${member}`;
    const head = Buffer.from(JSON.stringify({ contentType: media.contentType, etag: media.etag }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    const value = seal(this.keys, name, Buffer.concat([length, head, media.bytes]));
    const common = [member, value, value.length, Math.max(1, Math.ceil(ttlMs)), this.maxBytes, `${this.prefix}mb:`];
    const index = `${this.prefix}mb-index`;
    const sizes = `${this.prefix}mb-sizes`;
    if (!owner) {
      await this.client.eval(PUT_BYTES, 3, index, sizes, name, ...common);
      return;
    }
    const linkMember = `l:${hashName(this.keys, 'ml', owner.linkKey)}`;
    await this.client.eval(
      PUT_BYTES,
      4,
      index,
      sizes,
      name,
      this.userIndex(owner.userId),
      ...common,
      linkMember,
      `b:${member}`,
    );
  }

  private open(name: string, sealed: Buffer): Buffer | undefined {
    const plain = open(this.keys, name, sealed);
    if (!plain) this.onError(new Error('media in Redis: a value could not be opened (another STORE_KEY, or altered)'));
    return plain;
  }
}
