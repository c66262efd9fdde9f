/**
 * The package as a library: built with `npm run build`, imported by its name from plain Node (no TypeScript loader),
 * `createGateway` and `schema` work and come with type declarations.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);

beforeAll(async () => {
  await run('npm', ['run', 'build'], { cwd: root });
}, 120_000);

describe('the package', () => {
  it('is imported by its name and answers a query against its own sandbox', async () => {
    const program = `
      import { createGateway, createSandbox, schema } from 'x-dm-graphql-gateway';
      const sandbox = createSandbox();
      const gateway = createGateway({ upstream: await sandbox.listen(), logger: undefined });
      const response = await gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' + sandbox.users[0].token },
        body: JSON.stringify({ query: '{ dmEvents(first: 2) { nodes { restId } } }' }),
      });
      const body = await response.json();
      console.log(JSON.stringify({ nodes: body.data.dmEvents.nodes.length, root: schema.getQueryType().name }));
      await gateway.close();
      await sandbox.close();
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ nodes: 2, root: 'Query' });
  });

  it('declares its types', () => {
    const declarations = readFileSync(new URL('dist/index.d.ts', root), 'utf8');
    expect(declarations).toContain('createGateway');
    expect(declarations).toContain('schema');
    const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });
});
