/**
 * The subscription transports as their protocols promise, tried with the stock clients: over WebSocket (graphql-ws) a
 * refused or invalid subscribe is answered for its own id and the socket stays open for the others; over Server-Sent
 * Events (graphql-sse) a refusal is a GraphQL error with a fitting 4xx status, never 500.
 */
import { type Client as WsClient, createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useLiveGateway } from '../live/helpers.js';
import { readSseResults } from '../support/sse.js';

const h = useLiveGateway();
const QUERY = 'subscription { dmEventAdded { restId text } }';

type Outcome = { results: unknown[]; error?: unknown; completed: boolean };

/** One subscription on a graphql-ws client: what it received, and a promise that settles when it ends. */
function subscribe(client: WsClient, query: string) {
  const outcome: Outcome = { results: [], completed: false };
  const wakers: (() => void)[] = [];
  const wake = () => wakers.splice(0).forEach((w) => w());
  let resolveEnd!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnd = resolve));
  const stop = client.subscribe(
    { query },
    {
      next: (result) => {
        outcome.results.push(result);
        wake();
      },
      error: (error) => {
        outcome.error = error;
        resolveEnd();
        wake();
      },
      complete: () => {
        outcome.completed = true;
        resolveEnd();
        wake();
      },
    },
  );
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const test = () => (check() ? resolve() : wakers.push(test));
      test();
    });
  return { outcome, ended, stop, until };
}

const clients: WsClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

function wsClient(token: string, onClosed?: (code: number) => void): WsClient {
  const client = createWsClient({
    url: h.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
  clients.push(client);
  return client;
}

/** Waits until `check` holds (subscriptions open at the hub, say), without sleeping a fixed time. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('graphql-ws', () => {
  it("answers a token's 11th subscription for its own id, and the other ten go on over the same socket", async () => {
    const { token } = h.sandbox.users[4]!;
    const closes: number[] = [];
    const client = wsClient(token, (code) => closes.push(code));
    const ten = Array.from({ length: 10 }, () => subscribe(client, QUERY));
    await until(() => h.gateway.live.subscriptions(`Bearer ${token}`) === 10);
    const eleventh = subscribe(client, QUERY);
    await eleventh.ended;

    // graphql-ws answers a subscription refused by its resolver with `next` (the errors) and `complete`.
    expect(eleventh.outcome.results).toEqual([
      { errors: [expect.objectContaining({ extensions: { code: 'RATE_LIMITED' } })] },
    ]);
    expect(eleventh.outcome.completed).toBe(true);
    expect(closes).toEqual([]);
    // The socket is still open: the first ten receive news.
    const me = h.sandbox.users[4]!.id;
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
    const other = conversation.participantIds.find((p) => p !== me)!;
    h.sandbox.addMessage(conversation.id, other, 'still here');
    await Promise.all(ten.map((s) => s.until(() => s.outcome.results.length > 0)));
    for (const s of ten) expect(s.outcome.results[0]).toMatchObject({ data: { dmEventAdded: { text: 'still here' } } });
    ten.forEach((s) => s.stop());
  });

  it('answers a document that does not parse, or does not validate, for its own id and keeps the socket', async () => {
    const { token } = h.sandbox.users[5]!;
    const closes: number[] = [];
    const client = wsClient(token, (code) => closes.push(code));
    const good = subscribe(client, QUERY);
    await until(() => h.gateway.live.subscriptions(`Bearer ${token}`) === 1);
    const unparsable = subscribe(client, 'subscription { dmEventAdded { ');
    const invalid = subscribe(client, 'subscription { dmEventAdded { noSuchField } }');
    await Promise.all([unparsable.ended, invalid.ended]);
    expect(unparsable.outcome.error).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Syntax Error') }),
    ]);
    expect(invalid.outcome.error).toEqual([
      expect.objectContaining({ message: expect.stringContaining('noSuchField') }),
    ]);
    expect(closes).toEqual([]);
    const me = h.sandbox.users[5]!.id;
    const conversation = h.sandbox.data.conversations.find((c) => !c.group && c.participantIds.includes(me))!;
    const other = conversation.participantIds.find((p) => p !== me)!;
    h.sandbox.addMessage(conversation.id, other, 'the socket lives');
    await good.until(() => good.outcome.results.length > 0);
    expect(good.outcome.results[0]).toMatchObject({ data: { dmEventAdded: { text: 'the socket lives' } } });
    good.stop();
  });
});

/** The one result an event stream that answers a refusal carries. */
async function resultOf(response: Response): Promise<unknown> {
  const results: unknown[] = [];
  await readSseResults(response.body!, (result) => results.push(result));
  expect(results).toHaveLength(1);
  return results[0];
}

describe('graphql-sse', () => {
  it("answers a token's 11th subscription with RATE_LIMITED and status 429", async () => {
    const { token } = h.sandbox.users[6]!;
    const client = createSseClient({ url: h.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const subscriptions = Array.from({ length: 10 }, () => {
      const results: unknown[] = [];
      const stop = client.subscribe(
        { query: QUERY },
        { next: (r) => results.push(r), error: () => {}, complete: () => {} },
      );
      return { results, stop };
    });
    await until(() => h.gateway.live.subscriptions(`Bearer ${token}`) === 10);
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: QUERY }, { next: (r) => resolve(r), error: resolve, complete: () => {} });
    });
    expect(error).toBeInstanceOf(NetworkError);
    const response = (error as NetworkError<Response>).response!;
    expect(response.status).toBe(429);
    expect(await resultOf(response)).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] });
    subscriptions.forEach((s) => s.stop());
    client.dispose();
  });

  it('answers a subscription without a token with UNAUTHENTICATED and status 401', async () => {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(401);
    expect(await resultOf(response)).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });
});
