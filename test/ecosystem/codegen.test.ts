/**
 * The typed documents in `src/generated/` are what GraphQL Code Generator makes, with `codegen.ts`, of the current
 * `schema/schema.graphql` and `schema/operations/*.graphql`: the test runs the generator in memory and compares.
 * The generator also validates every operation against the schema, so an operation the schema no longer accepts
 * fails here too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { Kind, type OperationDefinitionNode, buildSchema, parse, validate } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const generatedDir = resolve(root, 'src/generated');
const operationsDir = resolve(root, 'schema/operations');

let outputs: { filename: string; content: string }[];

beforeAll(async () => {
  // `cwd` makes the config's relative paths independent of where the test runner was started.
  outputs = await generate({ ...config, cwd: root, silent: true }, false);
}, 30_000);

describe('codegen', () => {
  it('writes into src/generated/', () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      expect(relative(generatedDir, resolve(root, output.filename)).startsWith('..')).toBe(false);
    }
  });

  it('the committed files are what `npm run codegen` generates (run it when this fails)', () => {
    for (const output of outputs) {
      const path = resolve(root, output.filename);
      let committed: string;
      try {
        committed = readFileSync(path, 'utf8');
      } catch {
        throw new Error(`${output.filename} is missing: run \`npm run codegen\``);
      }
      expect(committed, `${output.filename} drifted from the schema or the operations: run \`npm run codegen\``).toBe(
        output.content,
      );
    }
  });

  it('src/generated/ holds no stale generated file', () => {
    const generated = new Set(outputs.map((output) => resolve(root, output.filename)));
    const sources = readdirSync(generatedDir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => resolve(generatedDir, name));
    expect(sources.filter((path) => !generated.has(path))).toEqual([]);
  });

  it('has a typed document for every example operation', async () => {
    const documents = (await import('../../src/generated/graphql.js')) as Record<string, unknown>;
    for (const name of ['Inbox', 'ConversationPage', 'DmEventById', 'WalkEvents']) {
      expect(documents[`${name}Document`], name).toMatchObject({ kind: Kind.DOCUMENT });
    }
  });
});

describe('the example operations', () => {
  const schema = buildSchema(readFileSync(resolve(root, 'schema/schema.graphql'), 'utf8'));
  const files = readdirSync(operationsDir).filter((name) => name.endsWith('.graphql'));

  it.each(files)('%s holds one named operation, valid against the schema', (file) => {
    const document = parse(readFileSync(resolve(operationsDir, file), 'utf8'));
    expect(validate(schema, document)).toEqual([]);
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    expect(operations).toHaveLength(1);
    expect(operations[0]!.name?.value).toBeTruthy();
  });

  it('inbox.graphql is still the Inbox query (GraphiQL opens on it)', () => {
    const document = parse(readFileSync(resolve(operationsDir, 'inbox.graphql'), 'utf8'));
    expect(document.definitions[0]).toMatchObject({ kind: Kind.OPERATION_DEFINITION, name: { value: 'Inbox' } });
  });
});
