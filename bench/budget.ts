/**
 * `npm run bench:budget`: what one DM app session costs at X through the gateway and as a naive client, in DM calls,
 * billed events and dollars. Prints a markdown table and writes it to `bench/results/budget-latest.md`.
 * `bench/budget/session.ts` is the session; `test/bench/budget.test.ts` runs it and asserts the targets.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { budgetMarkdown } from './budget/report.js';
import { runBudget } from './budget/session.js';

const result = await runBudget({ seed: Number(process.env.BENCH_SEED ?? 42) });
const markdown = budgetMarkdown(result);
process.stdout.write(`${markdown}\n`);
const out = new URL('./results/budget-latest.md', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(out, markdown);
process.stdout.write(`Written to bench/results/budget-latest.md\n`);
if (!result.cold.truthOk || !result.warm.truthOk) {
  process.stderr.write("A gateway answer differed from X's truth (see the table).\n");
  process.exitCode = 1;
} else if (!result.cold.met.calls || !result.cold.met.events) {
  process.stderr.write('A target was missed (see the table).\n');
  process.exitCode = 1;
}
