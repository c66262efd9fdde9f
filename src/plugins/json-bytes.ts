/**
 * Answers written as UTF-8 bytes a piece at a time, never as one large string.
 *
 * yoga serialises an answer with `JSON.stringify`, and Node then measures and encodes that string. For a large
 * answer V8's `JSON.stringify` returns a rope that must be flattened first, and when any text holds a character
 * beyond Latin-1 (an emoji) the whole answer is a two-byte string: flattening, measuring and encoding a 100-event
 * page (760 kB) cost about four times the stringify itself (`bench/README.md`). Here each item of a list is
 * stringified on its own, small enough to come back flat, and written straight into a byte buffer: the same JSON,
 * byte for byte, for a fraction of the work.
 *
 * Only answers without errors take this path: an answer with errors goes through yoga's own processor, which decides
 * its HTTP status from them.
 */
import { type Plugin, isAsyncIterable, processRegularResult } from 'graphql-yoga';
import { BoundedMemo } from '../memo.js';

/** A list item whose JSON is longer than this is written piece by piece too. */
const UNIT_CHARS = 16_384;
/** The scratch buffer is kept between answers up to this size; a larger answer gets a buffer of its own. */
const KEPT_SCRATCH_BYTES = 8 * 2 ** 20;

let scratch = Buffer.allocUnsafe(256 * 1024);

/** Writes into the shared scratch buffer (serialisation is synchronous, so one answer at a time), growing it. */
class ByteWriter {
  #buffer = scratch;
  #at = 0;

  byte(code: number): void {
    if (this.#at === this.#buffer.length) this.#grow(1);
    this.#buffer[this.#at++] = code;
  }

  /** A JSON text (already escaped). */
  text(json: string): void {
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    if (this.#buffer.length - this.#at < json.length * 3) this.#grow(json.length * 3);
    this.#at += this.#buffer.write(json, this.#at);
  }

  /** A copy of what was written: the scratch buffer is the next answer's. */
  finish(): Buffer<ArrayBuffer> {
    const bytes = Buffer.allocUnsafe(this.#at);
    this.#buffer.copy(bytes, 0, 0, this.#at);
    if (this.#buffer.length <= KEPT_SCRATCH_BYTES) scratch = this.#buffer;
    return bytes;
  }

  #grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#at + needed));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
  }
}

const COMMA = 0x2c;
const COLON = 0x3a;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (
    (prototype === Object.prototype || prototype === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** `JSON.stringify(value)` as UTF-8 bytes, for any value `JSON.stringify` turns into text. */
export function jsonBytes(value: unknown): Buffer<ArrayBuffer> {
  const out = new ByteWriter();
  writeValue(value, out);
  return out.finish();
}

function writeValue(value: unknown, out: ByteWriter): void {
  if (Array.isArray(value)) {
    out.byte(0x5b);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.byte(COMMA);
      writeItem(value[i], out);
    }
    out.byte(0x5d);
  } else if (isPlainObject(value)) {
    out.byte(0x7b);
    let first = true;
    for (const key in value) {
      const field = value[key];
      // What JSON.stringify leaves out of an object.
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      if (!first) out.byte(COMMA);
      first = false;
      out.text(JSON.stringify(key));
      out.byte(COLON);
      writeValue(field, out);
    }
    out.byte(0x7d);
  } else {
    // A scalar, or an object with `toJSON` or a class of its own, which JSON.stringify knows how to write. (`?? 'null'`
    // only for the top-level `undefined` that JSON.stringify turns into no text at all; an answer is never that.)
    out.text(JSON.stringify(value) ?? 'null');
  }
}

/**
 * One item of a list: stringified whole when that is small, otherwise piece by piece like the list. Only the JSON's
 * length tells which, so a large item is stringified once for nothing: rare (an item over 16 K characters), and
 * cheaper than the one large string it avoids.
 */
function writeItem(item: unknown, out: ByteWriter): void {
  const json = JSON.stringify(item) ?? 'null';
  if (json.length > UNIT_CHARS && (Array.isArray(item) || isPlainObject(item))) writeValue(item, out);
  else out.text(json);
}

const mediaTypes = new BoundedMemo<string, string>(256);

/** The media type yoga's processor for plain answers picks for this request (see its `accept.js`). */
function jsonMediaType(request: Request): string {
  return mediaTypes.get(request.headers.get('accept') ?? '*/*', mediaTypeFor);
}

function mediaTypeFor(acceptHeader: string): string {
  let chosen = 'application/json';
  for (const accept of acceptHeader.replace(/\s/g, '').toLowerCase().split(',').reverse()) {
    const [type, ...parameters] = accept.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    for (const own of ['application/graphql-response+json', 'application/json']) {
      const [ownMain, ownSub] = own.split('/');
      const [main, sub] = (type ?? '').split('/');
      if ((main === '*' || main === ownMain) && (sub === '*' || sub === ownSub)) chosen = own;
    }
  }
  return chosen;
}

/** Serves every plain answer without errors as bytes from `jsonBytes`. */
export function jsonByteAnswers(): Plugin {
  return {
    onResultProcess(payload) {
      const { request, result, resultProcessor } = payload;
      if (resultProcessor !== processRegularResult || Array.isArray(result) || isAsyncIterable(result)) return;
      // yoga's result type leaves `extensions` as `any`: an answer's extensions are an object of named entries.
      const extensions = result.extensions as Readonly<Record<string, unknown>> | undefined;
      if (result.errors?.length || extensions?.['http']) return;
      const mediaType = jsonMediaType(request);
      payload.setResultProcessor(
        (answer, fetchAPI) =>
          new fetchAPI.Response(jsonBytes(answer), {
            status: 200,
            headers: { 'Content-Type': `${mediaType}; charset=utf-8` },
          }),
        mediaType,
      );
    },
  };
}
