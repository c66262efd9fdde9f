/**
 * While the process is busy, GraphQL requests are let in a few at a time, first come first served, before anything reads
 * them (`src/admission.ts`); while the event loop has idle time, more are let in each window. A request whose client
 * goes away while it waits never calls X. Streams and everything outside the GraphQL endpoint go straight through.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Admission, admittedListener } from '../../src/admission.js';
import { type Gateway, createGateway } from '../../src/gateway.js';
import { type Sandbox, createSandbox } from '../../src/sandbox/index.js';
import { serveLocally } from '../support/local-server.js';

/** A response whose client can go away (`close`), as much of `ServerResponse` as admission reads. */
class FakeResponse extends EventEmitter {
  closed = false;
  readonly socket = { bytesWritten: 0 };
  close(): void {
    this.closed = true;
    this.emit('close');
  }
  /** Writes an answer of `bytes` and ends. */
  answer(bytes: number): void {
    this.socket.bytesWritten += bytes;
    this.emit('finish');
    this.close();
  }
}

/** A handler that finishes when told to, and the order handlers started in. */
function handlers() {
  const started: string[] = [];
  const finishers = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  return {
    started,
    handle: (name: string) => () => {
      started.push(name);
      return new Promise<void>((resolve, reject) => finishers.set(name, { resolve, reject }));
    },
    finish: (name: string) => finishers.get(name)!.resolve(),
    fail: (name: string) => finishers.get(name)!.reject(new Error(`${name} failed`)),
  };
}

/** A loop load the test sets: the value is what the next look at the loop reads, once (a window that just ended). */
function scriptedLoad(initial?: number) {
  let next = initial;
  const always = { value: undefined as number | undefined };
  return {
    load: () => {
      if (always.value !== undefined) return always.value;
      const value = next;
      next = undefined;
      return value;
    },
    windowEnds: (utilisation: number) => (next = utilisation),
    always,
  };
}

const admit = (admission: Admission, handle: () => unknown, res = new FakeResponse()) => {
  admission.admit(res as unknown as ServerResponse, handle);
  return res;
};

describe('Admission', () => {
  afterEach(() => vi.useRealTimers());

  it('while the loop is busy, handles `floor` requests at once and starts the others in arrival order', async () => {
    const h = handlers();
    const admission = new Admission({ floor: 2, loopLoad: () => 1 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) admit(admission, h.handle(name));
    expect(h.started).toEqual(['a', 'b']);
    expect([admission.running, admission.waiting]).toEqual([2, 3]);

    h.finish('b');
    await vi.waitFor(() => expect(h.started).toEqual(['a', 'b', 'c']));
    h.finish('a');
    await vi.waitFor(() => expect(h.started).toEqual(['a', 'b', 'c', 'd']));
    expect([admission.running, admission.waiting]).toEqual([2, 1]);
    admission.close();
  });

  it('doubles how many it lets in each window the loop has idle time while requests wait, and comes back down by one a busy window', async () => {
    const h = handlers();
    const loop = scriptedLoad();
    const admission = new Admission({ floor: 1, loopLoad: loop.load });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) admit(admission, h.handle(name));
    expect(h.started).toEqual(['a']);

    // A window with idle time ends while five wait: two may run, then four.
    loop.windowEnds(0.5);
    h.finish('a');
    await vi.waitFor(() => expect(h.started).toEqual(['a', 'b', 'c']));
    expect(admission.limit).toBe(2);
    loop.windowEnds(0.5);
    h.finish('b');
    await vi.waitFor(() => expect(h.started).toEqual(['a', 'b', 'c', 'd', 'e', 'f']));
    expect(admission.limit).toBe(4);
    expect(admission.waiting).toBe(0);
    for (const name of ['c', 'd', 'e', 'f']) h.finish(name);
    await vi.waitFor(() => expect(admission.running).toBe(0));

    // Busy windows bring it back down, one at a time, to the floor and no lower.
    for (const expected of [3, 2, 1, 1]) {
      loop.windowEnds(0.99);
      admit(admission, () => undefined);
      expect(admission.limit).toBe(expected);
    }
    admission.close();
  });

  it('never handles a request whose client went away while it waited, and gives its place to the next', async () => {
    const h = handlers();
    const admission = new Admission({ floor: 1, loopLoad: () => 1 });
    admit(admission, h.handle('a'));
    const gone = admit(admission, h.handle('b'));
    admit(admission, h.handle('c'));
    gone.close();
    expect(admission.waiting).toBe(1);

    h.finish('a');
    await vi.waitFor(() => expect(h.started).toEqual(['a', 'c']));
    h.finish('c');
    await vi.waitFor(() => expect(admission.running).toBe(0));
    expect(h.started).toEqual(['a', 'c']);
    admission.close();
  });

  it('frees the place of a handler that throws or rejects', async () => {
    const h = handlers();
    const admission = new Admission({ floor: 1, loopLoad: () => 1 });
    admit(admission, () => {
      throw new Error('thrown');
    });
    expect(admission.running).toBe(0);

    admit(admission, h.handle('rejects'));
    admit(admission, h.handle('next'));
    h.fail('rejects');
    await vi.waitFor(() => expect(h.started).toEqual(['rejects', 'next']));
    admission.close();
  });

  it('frees the place of a request whose client goes away while it runs, at once and only once', async () => {
    const h = handlers();
    const admission = new Admission({ floor: 1, loopLoad: () => 1 });
    const res = admit(admission, h.handle('x'));
    admit(admission, h.handle('y'));
    res.close();
    expect(h.started).toEqual(['x', 'y']);

    h.finish('x');
    await new Promise((resolve) => setImmediate(resolve));
    expect(admission.running).toBe(1);
    admission.close();
  });

  it('looks at the queue again every `recheckMs` while none finishes, letting requests in once the loop has idle time', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const h = handlers();
    const loop = scriptedLoad();
    loop.always.value = 1;
    const admission = new Admission({ floor: 1, loopLoad: loop.load, recheckMs: 10 });
    for (const name of ['a', 'b', 'c']) admit(admission, h.handle(name));
    vi.advanceTimersByTime(30);
    expect(h.started).toEqual(['a']);

    loop.always.value = 0.2;
    vi.advanceTimersByTime(10);
    expect(h.started).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wants a whole floor of 1 or more', () => {
    for (const floor of [0, -1, 1.5, Number.NaN]) expect(() => new Admission({ floor })).toThrow(RangeError);
  });
});

describe('admittedListener', () => {
  it('holds back requests for one answer at the endpoint only: streams and other paths go straight through', () => {
    const admission = new Admission({ floor: 1, loopLoad: () => 1, largeAnswerBytes: 0 });
    const reached: string[] = [];
    const listener = admittedListener(admission, '/graphql', (req) => {
      reached.push(`${req.url} ${req.headers.accept ?? ''}`);
      return new Promise(() => undefined);
    });
    const request = (url: string, accept?: string) => {
      listener(
        { url, headers: accept ? { accept } : {} } as IncomingMessage,
        new FakeResponse() as unknown as ServerResponse,
      );
    };
    request('/graphql', 'application/json');
    request('/graphql?query=%7B__typename%7D');
    request('/graphql', 'text/event-stream');
    request('/graphql', 'multipart/mixed; deferSpec=20220824');
    request('/metrics');
    request('/media/abc');
    request('/graphqlx');
    expect(reached).toEqual([
      '/graphql application/json',
      '/graphql text/event-stream',
      '/graphql multipart/mixed; deferSpec=20220824',
      '/metrics ',
      '/media/abc ',
      '/graphqlx ',
    ]);
    expect(admission.waiting).toBe(1);
    admission.close();
  });
});

describe('admittedListener and answer sizes', () => {
  it('holds requests back only while the moving average of recent answers is large', () => {
    const admission = new Admission({ floor: 1, loopLoad: () => 1, largeAnswerBytes: 10_000 });
    const responses: FakeResponse[] = [];
    const listener = admittedListener(admission, '/graphql', (_req, res) => {
      responses.push(res as unknown as FakeResponse);
      return new Promise(() => undefined);
    });
    const request = () => {
      const res = new FakeResponse();
      listener({ url: '/graphql', headers: {} } as IncomingMessage, res as unknown as ServerResponse);
      return res;
    };
    // Small answers: every request is handled at once, however busy.
    for (let i = 0; i < 5; i++) request();
    expect(responses).toHaveLength(5);
    expect(admission.running).toBe(0);
    for (const res of responses.splice(0)) res.answer(2_000);

    // Large answers lift the average over the line (about twenty count): from then on, one at a time.
    let sent = 0;
    for (; sent < 30 && admission.running === 0; sent++) {
      request();
      if (admission.running === 0) responses.shift()!.answer(200_000);
    }
    expect(sent).toBeGreaterThan(1);
    expect(admission.running).toBe(1);
    const res = request();
    expect([admission.running, admission.waiting]).toEqual([1, 1]);
    res.close();
    admission.close();
  });
});

describe('the gateway over HTTP, always busy, one request at a time', () => {
  let sandbox: Sandbox;
  let gateway: Gateway;
  let token: string;
  let dmCalls = 0;
  let holding = false;
  const held: (() => void)[] = [];
  let callArrived: () => void = () => undefined;
  let callGone: () => void = () => undefined;

  // X, in front of the sandbox: counts the DM lookups and holds them while `holding`.
  const upstream = serveLocally((req, res) => void forward(req, res));
  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url!.startsWith('/2/dm_events')) {
      dmCalls++;
      callArrived();
      // The gateway ended the call before X answered it.
      res.once('close', () => !res.writableEnded && callGone());
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
    }
    const answer = await fetch(`${sandbox.url}${req.url}`, {
      method: req.method!,
      headers: { authorization: req.headers.authorization ?? '' },
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }
  const gatewayServer = serveLocally((req, res) => gateway.requestListener(req, res));

  beforeAll(async () => {
    sandbox = createSandbox({ seed: 7, rateLimit: { limit: 100_000, windowMs: 900_000 } });
    await sandbox.listen();
    token = sandbox.users[0]!.token;
    gateway = createGateway({
      upstream: upstream.baseUrl,
      cursorSecret: 'test-secret',
      store: 'off',
      admission: { floor: 1, loopLoad: () => 1, largeAnswerBytes: 0 },
      // Only the client going away ends a held call: no timeout of the gateway's does first.
      upstreamTimeoutMs: 300_000,
      operationTimeoutMs: 300_000,
      logger: pino({ level: 'info' }, { write: () => {} }),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await sandbox?.close();
  });

  const QUERY = '{ dmEvents(first: 3) { edges { node { id text } } } }';
  const ask = (signal?: AbortSignal) =>
    fetch(`${gatewayServer.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
      ...(signal && { signal }),
    });
  const waiting = async () => (await gateway.metrics.requestsWaiting.get()).values[0]?.value ?? 0;
  /** Sends a request and resolves once X holds its DM lookup, with the answer to come. */
  const askHeld = async () => {
    holding = true;
    const arrived = new Promise<void>((resolve) => (callArrived = resolve));
    const answer = ask();
    await arrived;
    return { answer };
  };
  const releaseAll = () => {
    holding = false;
    for (const release of held.splice(0)) release();
  };

  it('keeps a second request waiting, without a call to X, until the first is answered; both answer in full', async () => {
    dmCalls = 0;
    const { answer: first } = await askHeld();
    const second = ask();
    await vi.waitFor(async () => expect(await waiting()).toBe(1));
    expect(dmCalls).toBe(1);

    releaseAll();
    const answers = await Promise.all([first, second].map(async (answer) => (await answer).json()));
    expect(dmCalls).toBe(2);
    expect(answers[0]).toEqual(answers[1]);
    expect((answers[0] as { data: { dmEvents: { edges: unknown[] } } }).data.dmEvents.edges).toHaveLength(3);
    expect(await waiting()).toBe(0);
  });

  it('never sends X the request of a client that went away while it waited', async () => {
    dmCalls = 0;
    const { answer: first } = await askHeld();
    const controller = new AbortController();
    const second = ask(controller.signal).catch((error: unknown) => error);
    await vi.waitFor(async () => expect(await waiting()).toBe(1));
    controller.abort();
    await vi.waitFor(async () => expect(await waiting()).toBe(0));
    expect(await second).toBeInstanceOf(Error);

    releaseAll();
    expect((await first).status).toBe(200);
    expect(dmCalls).toBe(1);
  });

  it('ends the call to X of a client that went away while X held it', async () => {
    holding = true;
    const arrived = new Promise<void>((resolve) => (callArrived = resolve));
    const controller = new AbortController();
    const answer = ask(controller.signal).catch((error: unknown) => error);
    await arrived;
    const gone = new Promise<void>((resolve) => (callGone = resolve));

    controller.abort();

    await gone;
    expect(await answer).toBeInstanceOf(Error);
    releaseAll();
  });

  it('answers metrics and opens subscription streams while the one place is taken', async () => {
    const { answer: first } = await askHeld();
    const metrics = await fetch(`${gatewayServer.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('gateway_requests_waiting 0');

    const controller = new AbortController();
    const stream = await fetch(`${gatewayServer.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { dmEventAdded { text } }' }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();

    releaseAll();
    expect((await first).status).toBe(200);
  });
});
