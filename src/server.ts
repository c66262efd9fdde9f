/**
 * `npm start`: reads the environment, starts the embedded X API sandbox when no upstream is set, and listens.
 */
import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { createGateway } from './gateway.js';
import { createSandbox } from './sandbox/index.js';

const config = loadConfig();
const sandbox = config.xApiBaseUrl === undefined ? createSandbox({ mainToken: config.sandboxToken }) : undefined;
const upstream = config.xApiBaseUrl ?? (await sandbox!.listen());

const gateway = createGateway({
  upstream,
  upstreamTimeoutMs: config.upstreamTimeoutMs,
  maxUpstreamRequests: config.maxUpstreamRequests,
  operationTimeoutMs: config.operationTimeoutMs,
  ...(config.cursorSecret !== undefined && { cursorSecret: config.cursorSecret }),
  development: config.development,
  ...(sandbox && { graphiqlHeaders: { Authorization: `Bearer ${config.sandboxToken}` } }),
});

const server = createServer(gateway.yoga);
server.listen(config.port, () => {
  const url = `http://localhost:${config.port}/graphql`;
  if (sandbox) {
    console.log(
      [
        '',
        '  ============================================================',
        '   SANDBOX MODE: no X_API_BASE_URL is set, so the gateway talks',
        `   to the embedded X API sandbox at ${sandbox.url}`,
        '   with demo data. Set X_API_BASE_URL=https://api.x.com for X.',
        '  ============================================================',
        '',
        `   Demo bearer token: ${config.sandboxToken}`,
        `   GraphiQL:          ${url} (the token is already in its headers)`,
        `   Try:  curl -s ${url} -H 'authorization: Bearer ${config.sandboxToken}' \\`,
        `           -H 'content-type: application/json' -d '{"query":"{ dmEvents(first: 3) { nodes { text } } }"}'`,
        '',
      ].join('\n'),
    );
  } else {
    console.log(`X DM GraphQL gateway on ${url}, calling ${config.xApiBaseUrl}`);
  }
});

async function shutdown(): Promise<void> {
  server.close();
  await gateway.close();
  await sandbox?.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
