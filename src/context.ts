/**
 * The per-request context: the caller's credentials, the upstream session that calls X with them, and the loaders
 * that share X objects within this request (and never beyond it).
 */
import { Loaders } from './loaders/loaders.js';
import type { Memory, RequestMemory } from './memory/memory.js';
import type { CallerCursors, CursorCodec } from './paging/cursor.js';
import type { UpstreamTransport } from './upstream/client.js';
import { XSession, type XSessionOptions } from './upstream/session.js';

export interface GatewayContext {
  /** Calls X with this request's `Authorization` header. */
  readonly x: XSession;
  readonly loaders: Loaders;
  /** Edge cursors, bound to this request's caller. */
  readonly cursors: CallerCursors;
  /** The caller's memory; absent with `STORE=off`, where every read asks X. */
  readonly memory?: RequestMemory;
}

/** A fresh context for one request made with `authorization`. */
export function createContext(options: {
  transport: UpstreamTransport;
  authorization: string;
  cursors: CursorCodec;
  session: XSessionOptions;
  memory?: Memory;
}): GatewayContext {
  const x = new XSession(options.transport, options.authorization, options.session);
  const loaders = new Loaders(x);
  return {
    x,
    loaders,
    cursors: options.cursors.forCaller(options.authorization),
    ...(options.memory && { memory: options.memory.forRequest(x, loaders) }),
  };
}
