/**
 * `npm run bench:budget`: what a DM app costs at X through the gateway and as a naive client, billed as X bills (each
 * DM event, user and post once per UTC day, from what the sandbox answered), in two replays: one session (where X's
 * rate limit binds) and a week of mornings (where the bill does). Prints markdown tables and writes them to
 * `bench/results/budget-latest.md`. `bench/budget/` holds the replays; `test/bench/budget.test.ts` runs them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { budgetMarkdown } from './budget/report.js';
import { runSessions } from './budget/session.js';
import { runWeek } from './budget/week.js';

const seed = Number(process.env.BENCH_SEED ?? 42);
const sessions = await runSessions({ seed });
const week = await runWeek({ seed });
const markdown = budgetMarkdown(sessions, week);
process.stdout.write(`${markdown}\n`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/budget-latest.md', import.meta.url), markdown);
process.stdout.write('Written to bench/results/budget-latest.md\n');
if (!sessions.cold.truthOk || !sessions.warm.truthOk || !week.truthOk) {
  process.stderr.write("A gateway answer differed from X's truth (see the tables).\n");
  process.exitCode = 1;
}
