/**
 * The HTTP side: routing, auth, rate limits, faults and the request log. Order per request, as X answers:
 * fault (if injected) -> route (404/405) -> auth (401/403) -> rate limit (429) -> validation (400) -> answer.
 * The manage endpoints read their body after the rate limit (413 when too large), validate path, query and body
 * together (400), then write or refuse (400/403/404), and answer 201/200, or an `after-write` fault's failure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SandboxDialect } from './speech.js';
import { type EndpointFamily, familyOf } from '../x/families.js';
import { rootKindOf } from '../x/params.js';
import { answerRequest } from './answers.js';
import { answerWithFault, FaultQueue } from './faults.js';
import {
  notAuthorizedForResource,
  resourceNotFound,
  statusProblem,
  TOO_MANY_REQUESTS,
  UNAUTHORIZED,
  unsupportedAuthentication,
} from './problems.js';
import { RateLimiter, type RateLimitState } from './rate-limit.js';
import type { DemoStore } from './store.js';
import type { EntityShape, Fault, RecordedRequest, StoredUser } from './types.js';
import {
  type EndpointName,
  invalidRequest,
  isManageEndpoint,
  MANAGE_SPEC,
  type ManageEndpointName,
  validateRequest,
} from './validate.js';
import { checkBody, performWrite } from './manage.js';
import type { SandboxActivity } from './activity.js';
import type { DmEvent } from '../x/wire.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json';

type Method = 'GET' | 'POST' | 'DELETE';

interface Route {
  /** The endpoint behind each method the path allows (any other method is a 405). */
  methods: Partial<Record<Method, EndpointName>>;
  /** Path parameter values, decoded, in path order. */
  values: string[];
}

/** Maps a path to its endpoints; undefined is a 404. Path parameters must be non-empty segments. */
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
  const get = (endpoint: EndpointName, values: string[] = []): Route => ({ methods: { GET: endpoint }, values });
  switch (parts.length) {
    case 1:
      if (a === 'dm_events') return get('dmEvents');
      if (a === 'dm_conversations') return { methods: { POST: 'createGroup' }, values: [] };
      if (a === 'users') return get('users');
      if (a === 'tweets') return get('tweets');
      return undefined;
    case 2:
      if (a === 'dm_events') return { methods: { GET: 'dmEvent', DELETE: 'deleteEvent' }, values: [b!] };
      if (a === 'users') return b === 'me' ? get('me') : get('user', [b!]);
      if (a === 'tweets') return get('tweet', [b!]);
      return undefined;
    case 3:
      if (a === 'dm_conversations' && c === 'dm_events') return get('conversationEvents', [b!]);
      if (a === 'dm_conversations' && c === 'messages')
        return { methods: { POST: 'sendToConversation' }, values: [b!] };
      return undefined;
    case 4:
      if (a === 'dm_conversations' && b === 'with' && d === 'dm_events') return get('participantEvents', [c!]);
      if (a === 'dm_conversations' && b === 'with' && d === 'messages')
        return { methods: { POST: 'sendToParticipant' }, values: [c!] };
      return undefined;
    case 5:
      if (a === 'dm_conversations' && b === 'media') return get('mediaDownload', [c!, d!, parts[4]!]);
      return undefined;
    default:
      return undefined;
  }
}

type BodyRead = { text: string } | 'too-large' | 'aborted';

/** The request body as UTF-8 text, up to `maxBytes`. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyRead) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        finish('too-large');
        // Read and drop the rest, so the 413 can be sent on a connection that stays sane.
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish(req.complete ? { text: Buffer.concat(chunks).toString('utf8') } : 'aborted'));
  });
}

function bearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export interface ServerState {
  store: DemoStore;
  dialect: SandboxDialect;
  /** token -> user */
  tokens: ReadonlyMap<string, StoredUser>;
  appOnlyToken: string;
  entityShape: EntityShape;
  limiter: RateLimiter;
  faults: FaultQueue;
  requests: RecordedRequest[];
  /** The events the manage endpoints created and deleted (`sandbox.sent`, `sandbox.deleted`). */
  sent: DmEvent[];
  deleted: DmEvent[];
  maxBodyBytes: number;
  /** X's Activity API: subscriptions, the stream and webhooks. */
  activity?: SandboxActivity;
  /** Told of every message a write created (the sandbox's replies when it is alive). */
  onSent?: (event: DmEvent) => void;
  /** The sandbox's time (`SandboxOptions.clock`). */
  clock: () => number;
  /** Whether the log keeps each answer's text and time (`SandboxOptions.logAnswers`). */
  logAnswers: boolean;
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
    this.state.activity?.close();
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
      if (this.state.logAnswers) {
        record.answer = text;
        record.at = this.state.clock();
      }
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
    if (fault) return this.fail(fault, req, res, record, token, family);

    const app = token !== undefined && token === this.state.appOnlyToken;
    const caller = { app, user: token === undefined ? undefined : this.state.tokens.get(token) };
    const readText = async () => {
      const read = await readBody(req, this.state.maxBodyBytes);
      const text = typeof read === 'object' ? read.text : '';
      record.body = text;
      return text;
    };
    if (this.state.activity?.handle(req, res, url, caller, readText)) {
      res.on('finish', () => (record.status = res.statusCode));
      return;
    }

    const route = matchRoute(url.pathname);
    if (!route) return send(404, statusProblem(404));
    const endpoint = route.methods[record.method as Method];
    if (!endpoint) return send(405, statusProblem(405), { allow: Object.keys(route.methods).join(', ') });

    const { dialect } = this.state;
    if (token !== undefined && token === this.state.appOnlyToken) return send(403, unsupportedAuthentication(dialect));
    const user = token === undefined ? undefined : this.state.tokens.get(token);
    if (!user || token === undefined) return send(401, UNAUTHORIZED);

    const limit = this.state.limiter.take(token, family);
    const limitHeaders = rateLimitHeaders(limit);
    if (!limit.allowed) return send(429, TOO_MANY_REQUESTS, limitHeaders);

    if (isManageEndpoint(endpoint)) {
      this.write({
        req,
        res,
        record,
        send,
        endpoint,
        values: route.values,
        query: [...url.searchParams],
        user,
        token,
        limitHeaders,
      }).catch(() => {
        if (!res.headersSent && !res.destroyed) send(500, statusProblem(500), limitHeaders);
      });
      return;
    }

    if (endpoint === 'mediaDownload')
      return this.download(route.values, [...url.searchParams], user, record, res, send, limitHeaders);

    const checked = validateRequest(dialect.specVersion, endpoint, route.values, [...url.searchParams]);
    if (!checked.ok) return send(400, invalidRequest(dialect, checked.errors), limitHeaders);

    const speech = { store: this.state.store, dialect, shape: this.state.entityShape };
    const answer = answerRequest(speech, rootKindOf(url.pathname), endpoint, route.values, user, checked.request);
    send(answer.status, answer.body, limitHeaders);
  }

  /**
   * A manage call, once auth and the rate limit let it through: body (413 when too large) -> validation of path,
   * query and body (400, every problem at once) -> the write or its refusal (400 unknown user, 403, 404) -> the
   * answer, or the `after-write` fault queued for a write that took effect.
   */
  private async write(call: WriteCall): Promise<void> {
    const { req, res, record, send, endpoint, values, query, user, token, limitHeaders } = call;
    const { dialect, store } = this.state;
    let raw: string | undefined;
    if (endpoint === 'deleteEvent') {
      req.resume();
    } else {
      const read = await readBody(req, this.state.maxBodyBytes);
      // A client that went away mid-body sent nothing: nothing happens.
      if (read === 'aborted') return;
      if (read === 'too-large') return send(413, statusProblem(413), { ...limitHeaders, connection: 'close' });
      raw = read.text;
      record.body = raw;
    }

    const path = validateRequest(MANAGE_SPEC, endpoint, values, query);
    const body = checkBody(endpoint, req.headers['content-type'], raw);
    const errors = [...(path.ok ? [] : path.errors), ...(body.ok ? [] : body.errors)];
    if (errors.length > 0 || !body.ok) return send(400, invalidRequest(dialect, errors), limitHeaders);

    const outcome = performWrite({ store, dialect, user, now: new Date(this.state.clock()) }, body.input, values);
    if (outcome.sent) {
      this.state.sent.push(outcome.sent);
      this.state.onSent?.(outcome.sent);
    }
    if (outcome.deleted) this.state.deleted.push(outcome.deleted);
    const fault = outcome.sent || outcome.deleted ? this.state.faults.takeAfterWrite() : undefined;
    if (fault) return this.fail(fault, req, res, record, token, familyOf(record.method, record.path));
    send(outcome.status, outcome.body, limitHeaders);
  }

  /**
   * X's DM media download: the raw bytes (`application/octet-stream`, as X's spec says) to a participant of the
   * event's conversation; X's 403 to anyone else, 404 when no event has that media.
   */
  private download(
    values: string[],
    query: [string, string][],
    user: StoredUser,
    record: RecordedRequest,
    res: ServerResponse,
    send: WriteCall['send'],
    limitHeaders: Record<string, number>,
  ): void {
    const { dialect, store } = this.state;
    const checked = validateRequest(MANAGE_SPEC, 'mediaDownload', values, query);
    if (!checked.ok) return send(400, invalidRequest(dialect, checked.errors), limitHeaders);
    const [dmId, mediaId, resourceId] = values as [string, string, string];
    const found = store.download(user.id, dmId, mediaId, resourceId);
    if (found.status === 403) {
      return send(403, notAuthorizedForResource(dialect, 'view', 'dm_event', 'dm_id', dmId), limitHeaders);
    }
    if (found.status !== 200) return send(404, resourceNotFound(dialect, 'media', 'media_id', mediaId), limitHeaders);
    record.status = 200;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': found.bytes.length,
      ...limitHeaders,
    });
    res.end(found.bytes);
  }

  /** Answers with an injected fault. */
  private fail(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    token: string | undefined,
    family: EndpointFamily,
  ): void {
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
  }
}

interface WriteCall {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  send: (status: number, body: unknown, headers?: Record<string, string | number>) => void;
  endpoint: ManageEndpointName;
  values: string[];
  query: [string, string][];
  user: StoredUser;
  token: string;
  limitHeaders: Record<string, number>;
}

function rateLimitHeaders(state: RateLimitState): Record<string, number> {
  return {
    'x-rate-limit-limit': state.limit,
    'x-rate-limit-remaining': state.remaining,
    'x-rate-limit-reset': state.reset,
  };
}
