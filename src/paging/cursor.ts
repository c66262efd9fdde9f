/**
 * Edge cursors: opaque to clients, bound to the connection and the caller that they were issued to, and
 * tamper-evident.
 *
 * A cursor names an edge by the X page it came from (the token and `max_results` that fetched it, and that page's
 * own tokens) and its index in that page, so resuming after or before any edge, also in the middle of a page, costs
 * one call. The page part is signed once per page with an HMAC over the page and a hash of the caller's credentials
 * (which the cursor does not carry), so another user's cursor is refused before it reaches X; the index is
 * bounds-checked against the page size. An edge of a page that moves down as news arrives (X's first page, or one
 * walked back to that reaches the top) also carries its event id, and is found again by it. A cursor therefore ends
 * with the token it was issued to: after a token refresh, a walk starts again from the first page.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadUserInputError } from '../errors.js';
import { BoundedMemo } from '../memo.js';
import { compareIds } from '../x/wire.js';

/** The X page an edge came from. */
export interface PageRef {
  /** The connection: endpoint, conversation and event types. */
  readonly connection: string;
  /** The pagination token that fetched the page; absent for the first page. */
  readonly token?: string;
  /** Whether `token` was a `previous_token` (its page ends where the page it came from began). */
  readonly backward?: boolean;
  /** The `max_results` the page was fetched with. */
  readonly maxResults: number;
  /** How many events the page held. */
  readonly size: number;
  readonly nextToken?: string;
  readonly previousToken?: string;
  /**
   * A page that moves down as news arrives (X's first page, fetched without a token, or a page fetched with a
   * `previous_token`, which reaches the top when fewer events lie above its token than it asked for): its newest and
   * oldest event ids. An edge's event id (`anchor`) is accepted only within them, so a cursor edited by hand can move
   * within its page, never send a walk through the list.
   */
  readonly span?: { readonly newest: string; readonly oldest: string };
}

export interface EdgePosition {
  readonly page: PageRef;
  readonly index: number;
  /**
   * The edge's event id, carried by the cursors of a page that moves down as news arrives (`PageRef.span`): the edge
   * is found again by its id rather than its index.
   */
  readonly anchor?: string;
}

interface Payload {
  c: string;
  t?: string;
  b?: 1;
  m: number;
  s: number;
  n?: string;
  p?: string;
  h?: string;
  l?: string;
}

const SIGNATURE_BYTES = 16;
/** Signed cursor bodies remembered (a client polling its first page asks for the same cursors again and again). */
const KEPT_SIGNED = 4096;
/** SHA-256's block size: HMAC pads (or first hashes) its key to this. */
const HMAC_BLOCK_BYTES = 64;

/**
 * Which kind a cursor is, by its shape alone (`body.signature` names an event, `body.signature.index` an edge of an X
 * page): a reader serves the other kind through the other reader, so a walk begun from memory goes on while the
 * store is down, and one begun from X goes on once it is back. Decoding still checks everything.
 */
export function namesEvent(cursor: string): boolean {
  return cursor.indexOf('.') === cursor.lastIndexOf('.');
}

/** A codec bound to one caller: what a request's resolvers use. */
export interface CallerCursors {
  /** A cursor naming an event by its id (pages served from memory: a position is an id, see `docs/memory.md`). */
  eventCursor(connection: string, eventId: string): string;
  /** The event id an event cursor names, if it was issued for `connection` to this caller; otherwise BAD_USER_INPUT. */
  decodeEvent(cursor: string, connection: string, argument: string): string;
  pagePrefix(page: PageRef): string;
  decode(cursor: string, connection: string, argument: string): EdgePosition;
}

export class CursorCodec {
  /** The key XORed with HMAC's inner and outer pads (RFC 2104), each a block long. */
  private readonly innerPad: Buffer;
  private readonly outerPad: Buffer;
  /** `body.signature` by audience and payload JSON. */
  private readonly signed = new BoundedMemo<string, string>(KEPT_SIGNED);

  /** `secret` signs cursors; gateways behind one load balancer share it. A random one is used when none is given. */
  constructor(secret?: string) {
    let key = secret ? Buffer.from(secret) : randomBytes(32);
    if (key.length > HMAC_BLOCK_BYTES) key = hash('sha256', key, 'buffer');
    const block = Buffer.alloc(HMAC_BLOCK_BYTES);
    key.copy(block);
    this.innerPad = Buffer.from(block.map((byte) => byte ^ 0x36));
    this.outerPad = Buffer.from(block.map((byte) => byte ^ 0x5c));
  }

  /**
   * The cursors of one caller, named by `audience()`, asked the first time one of their cursors is made or read (a
   * request that pages nothing never pays for it). The gateway passes a hash of the caller's `Authorization` header
   * (`XSession.tokenHash`), so no token is kept in the memo of signed bodies.
   */
  forCaller(audience: () => string): CallerCursors {
    return new CursorsOf(this, audience);
  }

  eventCursor(connection: string, eventId: string, audience: string): string {
    return this.signedBody(JSON.stringify({ c: connection, e: eventId }), audience);
  }

  decodeEvent(cursor: string, connection: string, argument: string, audience: string): string {
    const invalid = () => new BadUserInputError(`\`${argument}\` is not a cursor of this connection.`, { argument });
    if (cursor.length > 1024) throw invalid();
    const [body, signature, extra] = cursor.split('.');
    if (!body || !signature || extra !== undefined) throw invalid();
    const expected = this.sign(body, audience);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let payload: { c?: unknown; e?: unknown };
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      throw invalid();
    }
    if (payload.c !== connection || typeof payload.e !== 'string' || !/^[0-9]{1,19}$/.test(payload.e)) throw invalid();
    return payload.e;
  }

  /** The prefix every edge cursor of `page` shares; append `.${index}` for an edge. */
  pagePrefix(page: PageRef, audience: string): string {
    const payload: Payload = { c: page.connection, m: page.maxResults, s: page.size };
    if (page.token !== undefined) payload.t = page.token;
    if (page.backward) payload.b = 1;
    if (page.nextToken !== undefined) payload.n = page.nextToken;
    if (page.previousToken !== undefined) payload.p = page.previousToken;
    if (page.span) {
      payload.h = page.span.newest;
      payload.l = page.span.oldest;
    }
    return this.signedBody(JSON.stringify(payload), audience);
  }

  /** `json` as a base64url body and its signature: `body.signature`. */
  private signedBody(json: string, audience: string): string {
    return this.signed.get(`${audience}\u0000${json}`, () => {
      const body = Buffer.from(json).toString('base64url');
      return `${body}.${this.sign(body, audience).toString('base64url')}`;
    });
  }

  /** The edge a cursor names, if it was issued by this gateway for `connection`; otherwise BAD_USER_INPUT. */
  decode(cursor: string, connection: string, argument: string, audience: string): EdgePosition {
    const invalid = () => new BadUserInputError(`\`${argument}\` is not a cursor of this connection.`, { argument });
    if (cursor.length > 4096) throw invalid();
    const [body, signature, index, anchor, extra] = cursor.split('.');
    if (!body || !signature || index === undefined || extra !== undefined || !/^(0|[1-9][0-9]{0,2})$/.test(index)) {
      throw invalid();
    }
    if (anchor !== undefined && !/^[0-9]{1,19}$/.test(anchor)) throw invalid();
    const expected = this.sign(body, audience);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      throw invalid();
    }
    if (payload.c !== connection) throw invalid();
    const position = Number(index);
    if (position >= payload.s) throw invalid();
    const { h: newest, l: oldest } = payload;
    if (anchor !== undefined) {
      if (newest === undefined || oldest === undefined) throw invalid();
      if (compareIds(anchor, newest) > 0 || compareIds(anchor, oldest) < 0) throw invalid();
    }
    return {
      index: position,
      ...(anchor !== undefined && { anchor }),
      page: {
        connection: payload.c,
        maxResults: payload.m,
        size: payload.s,
        ...(payload.t !== undefined && { token: payload.t }),
        ...(payload.b === 1 && { backward: true }),
        ...(payload.n !== undefined && { nextToken: payload.n }),
        ...(payload.p !== undefined && { previousToken: payload.p }),
        ...(newest !== undefined && oldest !== undefined && { span: { newest, oldest } }),
      },
    };
  }

  /**
   * HMAC-SHA256 of `body`, a NUL and `audience`, cut to SIGNATURE_BYTES, from two one-shot hashes: a `createHmac` (or a
   * `Hash`) is a native object of its own per signature, and a page from memory signs one cursor per event.
   */
  private sign(body: string, audience: string): Buffer {
    const message = `${body}\u0000${audience}`;
    const inner = Buffer.allocUnsafe(HMAC_BLOCK_BYTES + Buffer.byteLength(message));
    this.innerPad.copy(inner);
    inner.write(message, HMAC_BLOCK_BYTES);
    const outer = Buffer.allocUnsafe(HMAC_BLOCK_BYTES + 32);
    this.outerPad.copy(outer);
    hash('sha256', inner, 'buffer').copy(outer, HMAC_BLOCK_BYTES);
    return hash('sha256', outer, 'buffer').subarray(0, SIGNATURE_BYTES);
  }
}

/** One caller's cursors: the codec with their audience filled in. */
class CursorsOf implements CallerCursors {
  #audience: string | undefined;

  constructor(
    private readonly codec: CursorCodec,
    private readonly audienceOf: () => string,
  ) {}

  private get audience(): string {
    return (this.#audience ??= this.audienceOf());
  }

  eventCursor(connection: string, eventId: string): string {
    return this.codec.eventCursor(connection, eventId, this.audience);
  }

  decodeEvent(cursor: string, connection: string, argument: string): string {
    return this.codec.decodeEvent(cursor, connection, argument, this.audience);
  }

  pagePrefix(page: PageRef): string {
    return this.codec.pagePrefix(page, this.audience);
  }

  decode(cursor: string, connection: string, argument: string): EdgePosition {
    return this.codec.decode(cursor, connection, argument, this.audience);
  }
}
