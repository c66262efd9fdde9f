/**
 * Persisted documents: the manifest `npm run codegen` writes (`src/generated/persisted-documents.json`, GraphQL Code
 * Generator's client preset with sha256 hashes) run by `documentId`, by POST and GET; with `only`, any other document
 * is refused with a 400 before it is parsed, and X is not called.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DmEventByIdDocument, InboxDocument, SendDmDocument } from '../../src/generated/graphql.js';
import { useGateway } from '../support/harness.js';

const MANIFEST = fileURLToPath(new URL('../../src/generated/persisted-documents.json', import.meta.url));
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;

/** The documentId codegen gave a typed document. */
function idOf(document: unknown): string {
  return (document as { __meta__: { hash: string } }).__meta__.hash;
}

type Harness = ReturnType<typeof useGateway>;

async function post(h: Harness, body: Record<string, unknown>, token: string | null = h.sandbox.users[0]!.token) {
  const response = await h.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token !== null && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

async function get(h: Harness, params: Record<string, string>) {
  const response = await h.gateway.fetch(`http://gateway.test/graphql?${new URLSearchParams(params)}`, {
    headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${h.sandbox.users[0]!.token}` },
  });
  return { status: response.status, text: await response.text() };
}

describe('the manifest codegen writes', () => {
  it("holds every example operation under the sha256 of its text, the typed documents' ids", () => {
    for (const document of [InboxDocument, DmEventByIdDocument, SendDmDocument]) {
      const id = idOf(document);
      expect(manifest[id], id).toBeDefined();
      expect(id).toBe(`sha256:${createHash('sha256').update(manifest[id]!).digest('hex')}`);
    }
    expect(Object.keys(manifest).length).toBeGreaterThanOrEqual(7);
  });
});

describe('PERSISTED_DOCUMENTS', () => {
  const h = useGateway({ gateway: { persistedDocuments: { manifest: MANIFEST } } });

  it('runs a document by its documentId in the POST body, as the same document sent as text', async () => {
    const byId = await post(h, { documentId: idOf(InboxDocument), variables: { first: 3 } });
    const calls = h.calls().length;
    const asText = await post(h, { query: manifest[idOf(InboxDocument)], variables: { first: 3 } });
    expect(byId.errors).toBeUndefined();
    expect(byId.data.dmEvents.edges).toHaveLength(3);
    expect(byId.data).toEqual(asText.data);
    expect(calls).toBe(1);
  });

  it('runs a document by its documentId in the GET query string', async () => {
    const eventId = h.sandbox.visibleEvents(h.sandbox.users[0]!.id)[0]!.id;
    const answer = await get(h, { documentId: idOf(DmEventByIdDocument), variables: JSON.stringify({ eventId }) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).data.dmEvent.restId).toBe(eventId);
  });

  it('refuses an unknown documentId with a 400, calling nothing', async () => {
    const answer = await post(h, { documentId: 'sha256:0000' });
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    expect(h.calls()).toEqual([]);
  });

  it('refuses a persisted mutation by GET (405), sending nothing', async () => {
    const answer = await get(h, {
      documentId: idOf(SendDmDocument),
      variables: JSON.stringify({ participantId: h.sandbox.users[1]!.id, text: 'by GET' }),
    });
    expect(answer.status).toBe(405);
    expect(h.calls()).toEqual([]);
  });

  it('still runs documents sent as text', async () => {
    const answer = await post(h, { query: '{ dmEvents(first: 1) { nodes { restId } } }' });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.dmEvents.nodes).toHaveLength(1);
  });
});

describe('ONLY_PERSISTED_DOCUMENTS', () => {
  const h = useGateway({ gateway: { persistedDocuments: { manifest: MANIFEST, only: true } } });

  it('runs the documents of the manifest', async () => {
    const answer = await post(h, { documentId: idOf(InboxDocument), variables: { first: 2 } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.dmEvents.edges).toHaveLength(2);
  });

  it.each([
    ['a document in the manifest, sent as text', () => manifest[idOf(InboxDocument)]!],
    [
      'a document the planner would refuse as too costly',
      () => '{ a: dmEvents(first: 100) { nodes { sender { pinnedTweet { author { username } } } } } }',
    ],
    ['a document that does not even parse', () => '{ dmEvents(first: '],
  ])('refuses %s with a 400 before it is parsed, calling nothing', async (_name, query) => {
    const answer = await post(h, { query: query() });
    expect(answer.status).toBe(400);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors![0].extensions.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect(h.calls()).toEqual([]);
  });

  it('refuses a request that names no document', async () => {
    const answer = await post(h, {});
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions?.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
  });

  it('serves no GraphiQL', async () => {
    const response = await h.gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(await response.text()).not.toContain('GraphiQL');
  });
});

describe('ONLY_PERSISTED_DOCUMENTS in development', () => {
  const h = useGateway({ gateway: { persistedDocuments: { manifest: MANIFEST, only: true }, development: true } });

  it('serves GraphiQL, and runs the documents it sends, each reported in the log', async () => {
    const page = await h.gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('GraphiQL');
    const answer = await post(h, { query: '{ dmEvents(first: 1) { nodes { restId } } }' });
    expect(answer.errors).toBeUndefined();
    expect(h.logLines().some((line) => String(line.msg).includes('outside the persisted documents'))).toBe(true);
  });
});

describe('a manifest that cannot be used', () => {
  it.each([
    ['a missing file', '/nonexistent/persisted-documents.json', /cannot read the manifest/],
    ['a list', ['{ a }'], /must be a JSON object/],
    ['a document that is not text', { 'sha256:1': 42 }, /is not a documentId and a document/],
  ])('stops the start with a clear message: %s', async (_name, manifest, message) => {
    const { createGateway } = await import('../../src/gateway.js');
    expect(() =>
      createGateway({ upstream: 'http://127.0.0.1:9', persistedDocuments: { manifest: manifest as never } }),
    ).toThrow(message);
  });
});
