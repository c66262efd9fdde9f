/**
 * Minted media URLs: capabilities. A URL's last segment is the link's id, 36 bytes in base64url: a random 12-byte
 * nonce, then the link's expiry (ms since the epoch) sealed with AES-256-GCM under the links' key. Nothing in it is
 * readable (no token, no X id, not even the expiry), a changed character fails authentication, and an expired link is
 * told from a forged one without a lookup, so both are answered (410, 404) without touching the store or X.
 *
 * What the link stands for (the caller's credentials and the media's ids) is a record kept under a keyed hash of the
 * id, in this process and, with Redis, in Redis (sealed with `STORE_KEY`, see `shared.ts`), until the link expires:
 * so it works on every replica. A record is found only by its whole id.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DmMediaIds } from './ids.js';

const NONCE_BYTES = 12;
const EXPIRY_BYTES = 8;
const TAG_BYTES = 16;
const ID_BYTES = NONCE_BYTES + EXPIRY_BYTES + TAG_BYTES;
/** A link id as it appears in a URL: 48 base64url characters. */
export const LINK_ID = /^[A-Za-z0-9_-]{48}$/;

/** What a link stands for. */
export interface MediaLinkRecord {
  /** The `Authorization` header of the caller the link was minted for: the download is made with it, and no other. */
  readonly authorization: string;
  /** A hash of that header: the bytes cache is the caller's own. */
  readonly tokenHash: string;
  readonly ids: DmMediaIds;
  /**
   * The X user id of that caller, when it was known as the link was minted: the link and its bytes are then kept under
   * that user too, and forgotten with them (`MediaService.forget`).
   */
  readonly userId?: string;
  /** When the link stops working (ms since the epoch). */
  readonly expiresAt: number;
}

/** Where records are kept: this process, and Redis when replicas share one (`shared.ts`). */
export interface LinkRecords {
  get(key: string): Promise<MediaLinkRecord | undefined>;
  put(key: string, record: MediaLinkRecord, ttlMs: number): Promise<void>;
}

/** What a link id says, once checked. */
export type LinkState =
  { state: 'valid'; expiresAt: number; key: string } | { state: 'expired' } | { state: 'invalid' };

export class LinkCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The media links key must be 32 bytes.');
  }

  /** A new link id that expires at `expiresAt`. */
  mint(expiresAt: number): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    const expiry = Buffer.alloc(EXPIRY_BYTES);
    expiry.writeBigUInt64BE(BigInt(Math.floor(expiresAt)));
    const sealed = Buffer.concat([cipher.update(expiry), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** Whether `id` is one this codec minted, and whether it is still good at `now`. Never throws. */
  check(id: string, now: number): LinkState {
    if (!LINK_ID.test(id)) return { state: 'invalid' };
    const raw = Buffer.from(id, 'base64url');
    // base64url has several spellings of the last bits: only the canonical one is a link.
    if (raw.length !== ID_BYTES || raw.toString('base64url') !== id) return { state: 'invalid' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAuthTag(raw.subarray(NONCE_BYTES + EXPIRY_BYTES));
      const expiry = Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES, NONCE_BYTES + EXPIRY_BYTES)),
        decipher.final(),
      ]);
      const expiresAt = Number(expiry.readBigUInt64BE());
      if (expiresAt <= now) return { state: 'expired' };
      return { state: 'valid', expiresAt, key: recordKey(id) };
    } catch {
      return { state: 'invalid' };
    }
  }
}

/** The key a link's record is kept under: a hash of the whole id, so the store never holds the capability itself. */
export function recordKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Records in this process: bounded, the oldest going first, each gone once its link expired. */
export class LocalLinkRecords implements LinkRecords {
  private readonly records = new Map<string, MediaLinkRecord>();

  constructor(
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Promise<MediaLinkRecord | undefined> {
    const record = this.records.get(key);
    if (record && record.expiresAt <= this.now()) {
      this.records.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(record);
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  put(key: string, record: MediaLinkRecord): Promise<void> {
    this.records.delete(key);
    this.records.set(key, record);
    for (const [oldKey, kept] of this.records) {
      if (this.records.size <= this.max && kept.expiresAt > this.now()) break;
      this.records.delete(oldKey);
    }
    return Promise.resolve();
  }
}
