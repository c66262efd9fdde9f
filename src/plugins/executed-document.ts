/**
 * The document and operation name of an envelop hook's execution arguments. envelop types them `any`, to stay apart
 * from any one GraphQL library; yoga executes with graphql-js, so they are graphql-js's.
 */
import type { DocumentNode } from 'graphql';

export interface ExecutedDocument {
  document: DocumentNode;
  operationName?: string | null;
}

export function executedDocument(args: { document: unknown; operationName?: unknown }): ExecutedDocument {
  return args as ExecutedDocument;
}
