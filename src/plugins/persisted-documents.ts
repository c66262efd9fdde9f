/**
 * Persisted documents: a client names a document of a manifest by its `documentId` (in the POST body or the GET query
 * string) instead of sending its text. The manifest is what GraphQL Code Generator's client preset writes with
 * `persistedDocuments: true` (`{ "sha256:<hash>": "<document>" }`); `npm run codegen` writes the example operations'
 * one to `src/generated/persisted-documents.json`.
 *
 * With `only`, any other document is refused with a 400 before it is parsed, so nothing is planned and X is not
 * called; in development (where GraphiQL, which sends documents of its own, is served) it runs, and is reported.
 * Built on yoga's own plugin (`@graphql-yoga/plugin-persisted-operations`).
 */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';

export interface PersistedDocumentsOptions {
  /**
   * The manifest: the path of a JSON file `{ "<documentId>": "<document>" }` (GraphQL Code Generator's
   * `persisted-documents.json`), or its content.
   */
  manifest: string | Readonly<Record<string, string>>;
  /** Refuse every document that is not in the manifest (HTTP 400, before it is parsed). @default false */
  only?: boolean;
}

/** The longest documentId looked up: a hash with its algorithm's name. */
const MAX_DOCUMENT_ID = 256;

/** A manifest's documents by id, checked: a JSON object of strings. */
export function readManifest(manifest: PersistedDocumentsOptions['manifest']): ReadonlyMap<string, string> {
  let content: unknown = manifest;
  if (typeof manifest === 'string') {
    try {
      content = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch (error) {
      throw new Error(
        `PERSISTED_DOCUMENTS: cannot read the manifest ${JSON.stringify(manifest)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new Error('PERSISTED_DOCUMENTS: the manifest must be a JSON object { "<documentId>": "<document>" }.');
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(content)) {
    if (typeof document !== 'string' || id.length === 0 || id.length > MAX_DOCUMENT_ID) {
      const entry = JSON.stringify(id.slice(0, 80));
      throw new Error(`PERSISTED_DOCUMENTS: the manifest's entry ${entry} is not a documentId and a document.`);
    }
    documents.set(id, document);
  }
  return documents;
}

/** A refusal of the request itself: HTTP 400, with its code. */
function refusal(message: string, code: string) {
  return { message, extensions: { code, http: { status: 400 } } };
}

/** The `documentId` a request names: in the body (POST) or the query string (GET). */
function documentIdOf(params: { documentId?: unknown }, request: Request): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  if (request.method !== 'GET') return null;
  return new URL(request.url).searchParams.get('documentId');
}

/**
 * @param development With `only`, called for each document outside the manifest, which then runs: development mode
 *   keeps GraphiQL working. Without it, such documents are refused.
 */
export function persistedDocuments(options: PersistedDocumentsOptions, development?: () => void): Plugin {
  const documents = readManifest(options.manifest);
  const only = options.only ?? false;
  const persisted = usePersistedOperations({
    getPersistedOperation: (documentId) => documents.get(documentId) ?? null,
    extractPersistedOperationId: (params, request) => documentIdOf(params as { documentId?: unknown }, request),
    allowArbitraryOperations: !only || (development !== undefined && (() => (development(), true))),
    customErrors: {
      notFound: refusal('No persisted document has this `documentId`.', 'PERSISTED_DOCUMENT_NOT_FOUND'),
      keyNotFound: refusal('Send a `documentId` of a persisted document.', 'PERSISTED_DOCUMENT_REQUIRED'),
      persistedQueryOnly: refusal(
        'This gateway runs persisted documents only: send a `documentId`, not a document.',
        'PERSISTED_DOCUMENT_REQUIRED',
      ),
    },
  }) as Plugin;
  const onParams = persisted.onParams!;
  return {
    ...persisted,
    // A request that names no document and sends none is yoga's to refuse, in its words, when other documents are allowed.
    onParams: (payload) => {
      const { params, request } = payload;
      if (!only && !params.query && documentIdOf(params as { documentId?: unknown }, request) === null) return;
      return onParams(payload);
    },
  };
}
