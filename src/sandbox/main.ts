/**
 * `npm run sandbox`: the X API sandbox on its own. Listens on SANDBOX_PORT (default 4001), speaks SANDBOX_DIALECT
 * (`posts`, the default, or `tweets`), honours SANDBOX_TOKEN for the main demo user, prints every demo user's token,
 * and closes cleanly on SIGINT/SIGTERM.
 */
import { DEFAULT_DIALECT, DIALECT_NAMES, type DialectName } from './speech.js';
import { createSandbox } from './index.js';

const port = Number(process.env.SANDBOX_PORT ?? 4001);
const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
const dialect = process.env.SANDBOX_DIALECT || DEFAULT_DIALECT;
if (!DIALECT_NAMES.includes(dialect as DialectName)) {
  console.error(`SANDBOX_DIALECT must be one of ${DIALECT_NAMES.join(', ')}; it was ${dialect}.`);
  process.exit(2);
}
const sandbox = createSandbox({ dialect: dialect as DialectName });
const url = await sandbox.listen(port, host);

const lines = [
  `X API sandbox listening on ${url}, speaking the ${sandbox.dialect} dialect  (try: curl -H "Authorization: Bearer ${sandbox.users[0]!.token}" ${url}/2/dm_events)`,
  '',
  'Demo users (username, id, bearer token); the first is the main user:',
  ...sandbox.users.map((u) => `  @${u.username.padEnd(16)} ${u.id.padEnd(20)} ${u.token}`),
  `  app-only token (answered with 403): ${sandbox.appOnlyToken}`,
];
console.log(lines.join('\n'));

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  console.log(`\n${signal}: closing the sandbox`);
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
