/** The budget benchmark's markdown: the totals against the targets, then what each step cost each client. */
import { DOLLARS_PER_EVENT } from './dm.js';
import { type BudgetResult, type SessionResult, TARGETS, TIMELINE } from './session.js';

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const dollars = (events: number) => `$${(events * DOLLARS_PER_EVENT).toFixed(2)}`;
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');

function totals(session: SessionResult, withTargets: boolean): string[] {
  const { gateway, naive, ratios, met } = session;
  const target = (ratio: number, limit: number, ok: boolean) => (withTargets ? `${percent(ratio)} (target <= ${percent(limit)}: ${mark(ok)})` : percent(ratio));
  return [
    '| client | DM calls | billed events | dollars |',
    '|---|---:|---:|---:|',
    `| naive client (one X call per screen) | ${naive.dmCalls} | ${naive.events} | ${dollars(naive.events)} |`,
    `| gateway (memory, FRESHNESS_MS 30 s) | ${gateway.dmCalls} | ${gateway.events} | ${dollars(gateway.events)} |`,
    `| **gateway / naive** | ${target(ratios.calls, TARGETS.calls, met.calls)} | ${target(ratios.events, TARGETS.events, met.events)} | ${percent(ratios.events)} |`,
  ];
}

/** One session's part of the report: its totals, whether every answer was true, and its steps. */
function section(title: string, session: SessionResult, withTargets: boolean): string[] {
  return [
    `## The session, ${title}: ${session.label.split(': ')[1]}`,
    '',
    ...totals(session, withTargets),
    '',
    `Every gateway answer equal to X's truth at its moment: ${session.truthOk ? 'yes' : '**no**'}.`,
    '',
    ...perStep(session),
    '',
  ];
}

function perStep(session: SessionResult): string[] {
  const lines = [
    '| step | t (s) | gateway calls | gateway events | naive calls | naive events | gateway = X | the gateway asked X |',
    '|---|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const step of session.steps) {
    const failed = step.checks.filter((check) => !check.ok);
    const truth = failed.length === 0 ? `yes (${step.checks.length})` : `**no**: ${failed.map((check) => `${check.what}: ${check.detail}`).join('; ')}`;
    lines.push(`| ${step.n}. ${step.name} | ${step.at} | ${step.gateway.dmCalls} | ${step.gateway.events} | ${step.naive.dmCalls} | ${step.naive.events} | ${truth} | ${step.asked.map((call) => `\`${call}\``).join(', ')} |`);
  }
  const naiveWrong = session.steps.flatMap((step) => step.naiveChecks.filter((check) => !check.ok).map((check) => `step ${step.n} ${check.what}: ${check.detail}`));
  lines.push('');
  lines.push(
    naiveWrong.length === 0
      ? "The naive client's answers matched X's truth at every step."
      : `The naive client's answers differed from X's truth: ${naiveWrong.join('; ')}.`,
  );
  const other = session.gateway.otherCalls;
  if (other > 0) lines.push(`The gateway also made ${other} call(s) outside the DM budget (\`/2/users/me\`, users lookups): not billed as DM events.`);
  return lines;
}

export function budgetMarkdown(result: BudgetResult, date = new Date()): string {
  const { cold, warm } = result;
  return [
    '# Budget benchmark: one DM app session',
    '',
    `${date.toISOString().slice(0, 10)}, sandbox seed ${result.seed}, FRESHNESS_MS ${result.freshnessMs}, X's price $${DOLLARS_PER_EVENT.toFixed(3)} per DM event. ` +
      '`npm run bench:budget`; `bench/budget/session.ts` says what each step sends.',
    '',
    ...section('cold (the targets)', cold, true),
    ...section('warm (for information)', warm, false),
    '## What runs',
    '',
    `Steps at t = ${Object.entries(TIMELINE).map(([name, at]) => `${name} ${at} s`).join(', ')} (a fake clock drives the gateway's memory). ` +
      'The naive client calls X straight over HTTP: the inbox `GET /2/dm_events?max_results=100`, a conversation ' +
      '`GET /2/dm_conversations/{id}/dm_events?max_results=20` (a scroll: 10 more with `pagination_token`), an event ' +
      '`GET /2/dm_events/{id}`, a poll the conversation again; each with `expansions=sender_id`. DM calls are the four DM ' +
      "lookups (one budget of 15 per 15 minutes at X); billed events are the events in each answer's `data`. The sandbox's " +
      'budget is set high so that neither client is refused: at X\'s real 15 per 15 minutes the naive session is refused ' +
      'from its 16th call.',
    '',
  ].join('\n');
}
