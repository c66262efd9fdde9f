/**
 * The HTTP side: routing, auth, rate limits, faults and the request log. Order per request, as X answers:
 * fault (if injected) -> route (404/405) -> auth (401/403) -> rate limit (429) -> validation (400) -> answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Dialect } from '../x/dialect.js';
import { familyOf } from '../x/families.js';
import { rootKindOf } from '../x/params.js';
import { answerRequest } from './answers.js';
import { answerWithFault, FaultQueue } from './faults.js';
import { statusProblem, TOO_MANY_REQUESTS, UNAUTHORIZED, unsupportedAuthentication } from './problems.js';
import { RateLimiter, type RateLimitState } from './rate-limit.js';
import type { DemoStore } from './store.js';
import type { EntityShape, RecordedRequest, StoredUser } from './types.js';
import { type EndpointName, invalidRequest, validateRequest } from './validate.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json';

interface Route {
  endpoint: EndpointName;
  /** Path parameter values, decoded, in path order. */
  values: string[];
}

/** Maps a path to an endpoint; undefined is a 404. Path parameters must be non-empty segments. */
function matchRoute(path: string): Route | undefined {
  const raw = path.split('/');
  if (raw[0] !== '' || raw[1] !== '2') return undefined;
  let parts: string[];
  try {
    parts = raw.slice(2).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (parts.some((p) => p === '')) return undefined;
  const [a, b, c, d] = parts;
  switch (parts.length) {
    case 1:
      if (a === 'dm_events') return { endpoint: 'dmEvents', values: [] };
      if (a === 'users') return { endpoint: 'users', values: [] };
      if (a === 'tweets') return { endpoint: 'tweets', values: [] };
      return undefined;
    case 2:
      if (a === 'dm_events') return { endpoint: 'dmEvent', values: [b!] };
      if (a === 'users') return b === 'me' ? { endpoint: 'me', values: [] } : { endpoint: 'user', values: [b!] };
      if (a === 'tweets') return { endpoint: 'tweet', values: [b!] };
      return undefined;
    case 3:
      if (a === 'dm_conversations' && c === 'dm_events') return { endpoint: 'conversationEvents', values: [b!] };
      return undefined;
    case 4:
      if (a === 'dm_conversations' && b === 'with' && d === 'dm_events')
        return { endpoint: 'participantEvents', values: [c!] };
      return undefined;
    default:
      return undefined;
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface ServerState {
  store: DemoStore;
  dialect: Dialect;
  /** token -> user */
  tokens: ReadonlyMap<string, StoredUser>;
  appOnlyToken: string;
  entityShape: EntityShape;
  limiter: RateLimiter;
  faults: FaultQueue;
  requests: RecordedRequest[];
}

/** The node:http server, with what `close()` needs to end everything it started. */
export class SandboxHttpServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly cleanups = new Set<() => void>();

  constructor(private readonly state: ServerState) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async close(): Promise<void> {
    for (const cleanup of [...this.cleanups]) cleanup();
    this.cleanups.clear();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Prefixed, not resolved against a base: a path starting with `//` must not turn into a host.
    const url = new URL(`http://sandbox.invalid${req.url?.startsWith('/') ? req.url : '/'}`);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      status: 0,
    };
    this.state.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string | number> = {}): void => {
      const text = JSON.stringify(body);
      record.status = status;
      res.writeHead(status, {
        'content-type': status >= 400 ? PROBLEM_TYPE : JSON_TYPE,
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };

    const token = bearer(req.headers.authorization);
    // Each family of endpoints has its own budget, and the headers speak of the family of the call they answer.
    const family = familyOf(record.method, url.pathname);
    const fault = this.state.faults.take();
    if (fault) {
      answerWithFault(fault, {
        req,
        res,
        record,
        exhausted: () => this.state.limiter.exhausted(token, family),
        onClose: (cleanup) => {
          this.cleanups.add(cleanup);
          return () => this.cleanups.delete(cleanup);
        },
      });
      return;
    }

    const route = matchRoute(url.pathname);
    if (!route) return send(404, statusProblem(404));
    if (req.method !== 'GET') return send(405, statusProblem(405), { allow: 'GET' });

    const { dialect } = this.state;
    if (token !== undefined && token === this.state.appOnlyToken) return send(403, unsupportedAuthentication(dialect));
    const user = token === undefined ? undefined : this.state.tokens.get(token);
    if (!user || token === undefined) return send(401, UNAUTHORIZED);

    const limit = this.state.limiter.take(token, family);
    const limitHeaders = rateLimitHeaders(limit);
    if (!limit.allowed) return send(429, TOO_MANY_REQUESTS, limitHeaders);

    const checked = validateRequest(dialect.specVersion, route.endpoint, route.values, [...url.searchParams]);
    if (!checked.ok) return send(400, invalidRequest(dialect, checked.errors), limitHeaders);

    const speech = { store: this.state.store, dialect, shape: this.state.entityShape };
    const answer = answerRequest(speech, rootKindOf(url.pathname), route.endpoint, route.values, user, checked.request);
    send(answer.status, answer.body, limitHeaders);
  }
}

function rateLimitHeaders(state: RateLimitState): Record<string, number> {
  return { 'x-rate-limit-limit': state.limit, 'x-rate-limit-remaining': state.remaining, 'x-rate-limit-reset': state.reset };
}
