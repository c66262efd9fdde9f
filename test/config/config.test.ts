/** The environment, read into one checked object: a bad value stops the start with a message that says why. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const KEY = 'k'.repeat(32);

describe('loadConfig', () => {
  it('defaults to the posts dialect and the memory in this process', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ dialect: 'posts', sandboxDialect: 'posts', store: 'memory', freshnessMs: 30_000 });
    expect(config.redis).toBeUndefined();
  });

  it('reads X_API_DIALECT, SANDBOX_DIALECT, STORE and FRESHNESS_MS', () => {
    expect(
      loadConfig({ X_API_DIALECT: 'tweets', SANDBOX_DIALECT: 'tweets', STORE: 'off', FRESHNESS_MS: '5000' }),
    ).toMatchObject({
      dialect: 'tweets',
      sandboxDialect: 'tweets',
      store: 'off',
      freshnessMs: 5_000,
    });
  });

  it('lets four GraphQL requests in at once while busy unless ADMISSION_FLOOR says otherwise (0: all)', () => {
    expect(loadConfig({}).admissionFloor).toBe(4);
    expect(loadConfig({ ADMISSION_FLOOR: '0' }).admissionFloor).toBe(0);
    expect(loadConfig({ ADMISSION_FLOOR: '16' }).admissionFloor).toBe(16);
    expect(() => loadConfig({ ADMISSION_FLOOR: '-1' })).toThrow(
      /ADMISSION_FLOOR must be a whole number from 0 to 4096/,
    );
  });

  it('refuses an unknown dialect or store', () => {
    expect(() => loadConfig({ X_API_DIALECT: 'x' })).toThrow(/X_API_DIALECT must be one of posts, tweets/);
    expect(() => loadConfig({ STORE: 'disk' })).toThrow(/STORE must be memory, redis or off/);
  });

  it('uses Redis when REDIS_URL is set, with STORE_KEY', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', STORE_KEY: KEY })).toMatchObject({
      store: 'redis',
      redis: { url: 'redis://127.0.0.1:6379', storeKey: KEY },
    });
  });

  it('refuses to start with REDIS_URL and no STORE_KEY, saying why', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /STORE_KEY is not.*encrypts everything it keeps in Redis/s,
    );
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', STORE_KEY: 'short' })).toThrow(
      /at least 32 characters/,
    );
  });

  it('keeps the memory in this process when told so, even with REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', STORE: 'memory' }).store).toBe('memory');
  });
});
