/**
 * What `npm start` runs, read from `package.json`, so that the tests and the benchmark start the gateway the way it
 * is deployed: the same `node` flags (its heap policy among them), not a copy of them that could drift.
 */
import { readFileSync } from 'node:fs';

const START = /^node((?: --[\w-]+(?:=\S+)?)*) --import tsx src\/server\.ts$/;

/** `node`'s own flags in the start script, e.g. `['--heap-growing-percent=50']`. */
export function startNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  };
  const match = START.exec(scripts.start);
  if (!match)
    throw new Error(`package.json's start script is not \`node [flags] --import tsx src/server.ts\`: ${scripts.start}`);
  return match[1]!.split(' ').filter(Boolean);
}
