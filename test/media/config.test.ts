/** MEDIA_URL_TTL_MS and PUBLIC_URL, read and checked. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('media configuration', () => {
  it("defaults to 15-minute links on the requests' own origin", () => {
    const config = loadConfig({});
    expect(config.mediaUrlTtlMs).toBe(900_000);
    expect(config.publicUrl).toBeUndefined();
  });

  it('reads MEDIA_URL_TTL_MS and PUBLIC_URL, and refuses bad values saying why', () => {
    expect(loadConfig({ MEDIA_URL_TTL_MS: '60000' }).mediaUrlTtlMs).toBe(60_000);
    expect(loadConfig({ PUBLIC_URL: 'https://dm.example.com/' }).publicUrl).toBe('https://dm.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://example.com/dm/' }).publicUrl).toBe('https://example.com/dm');
    expect(() => loadConfig({ MEDIA_URL_TTL_MS: 'soon' })).toThrow(/MEDIA_URL_TTL_MS must be a whole number/);
    expect(() => loadConfig({ MEDIA_URL_TTL_MS: '0' })).toThrow(/MEDIA_URL_TTL_MS/);
    expect(() => loadConfig({ PUBLIC_URL: 'dm.example.com' })).toThrow(/PUBLIC_URL must be a URL/);
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://dm.example.com' })).toThrow(/PUBLIC_URL must be an http or https URL/);
  });
});
