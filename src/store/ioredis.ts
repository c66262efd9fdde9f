/**
 * ioredis, loaded when the first Redis connection opens rather than when the gateway's modules load: a gateway that
 * keeps its memory in process never carries the client (about 7 MB of resident memory).
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

let RedisClient: typeof Redis | undefined;

/** A new ioredis connection to `url`. */
export function connectRedis(url: string, options: RedisOptions): Redis {
  RedisClient ??= (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
  return new RedisClient(url, options);
}
