/**
 * What keeps the shared store unreadable at rest: every value is sealed with AES-256-GCM (a random 12-byte IV per
 * value, the auth tag checked on opening, the value bound to its key name as additional data so that no value can be
 * moved under another key), and key names carry keyed hashes (HMAC-SHA256, base64url) instead of user ids,
 * conversation ids or token hashes. Both keys are derived from the one secret `STORE_KEY` with HKDF-SHA256, each for
 * its own purpose, so neither reveals the other.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** The shortest `STORE_KEY` accepted. */
const MIN_STORE_KEY_LENGTH = 32;

/** One salt for every derivation: HKDF's `info` separates the purposes. */
const SALT = 'x-dm-gateway/store/v1';
/** The first byte of a sealed value: its format. */
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface StoreKeys {
  /** AES-256-GCM key for values. */
  readonly sealing: Buffer;
  /** HMAC-SHA256 key for key names. */
  readonly naming: Buffer;
}

/** Refuses a missing or short secret, saying why. */
function checkStoreKey(secret: string | undefined): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new Error(`STORE_KEY is required with Redis: a secret string of at least ${MIN_STORE_KEY_LENGTH} characters`);
  }
  if (secret.length < MIN_STORE_KEY_LENGTH) {
    throw new Error(
      `STORE_KEY is too short: it needs at least ${MIN_STORE_KEY_LENGTH} characters, it has ${secret.length}`,
    );
  }
}

/** A 32-byte key for `purpose`, derived from the secret (HKDF-SHA256). Other parts (cursor signing) may use it too. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, purpose, 32));
}

export function deriveStoreKeys(secret: string | undefined): StoreKeys {
  checkStoreKey(secret);
  return { sealing: deriveKey(secret, 'store: values'), naming: deriveKey(secret, 'store: key names') };
}

/** The keyed hash of `id` in the namespace `kind` (base64url, 43 characters): the same id hashes apart per kind. */
export function hashName(keys: StoreKeys, kind: string, id: string): string {
  return createHmac('sha256', keys.naming).update(kind).update('\0').update(id).digest('base64url');
}

/** `plaintext` sealed for the key named `name`: format byte, IV, auth tag, ciphertext. */
export function seal(keys: StoreKeys, name: string, plaintext: string | Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.sealing, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), body]);
}

/**
 * The plaintext of a value sealed for the key named `name`, or undefined when it cannot be opened: another key, another
 * name, a tampered or truncated value. Never throws.
 */
export function open(keys: StoreKeys, name: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.sealing, sealed.subarray(1, 1 + IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
