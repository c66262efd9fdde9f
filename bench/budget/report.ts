/**
 * The budget benchmark's markdown: each replay's totals billed as X bills, then what each step (or day) cost each
 * client, and whether every gateway answer was X's truth.
 */
import { type Bill, DM_LOOKUP_LIMIT, PRICES } from './billing.js';
import { SESSION_START, type SessionResult, type SessionsResult, TIMELINE } from './session.js';
import { DAYS, type WeekResult, WEEK_START } from './week.js';
import type { StepResult } from './world.js';

export const money = (dollars: number) => `$${dollars.toFixed(2)}`;
const percent = (part: number, whole: number) => (whole === 0 ? '-' : `${Math.round((part / whole) * 100)}%`);
const billed = (bill: Bill) => `${bill.dmEvents} / ${bill.users} / ${bill.posts}`;

/** The totals of two clients: calls, DM lookups and those X's limit refuses, the resources billed, dollars. */
export function totalsTable(naive: Bill, gateway: Bill): string[] {
  const row = (name: string, bill: Bill) =>
    `| ${name} | ${bill.calls} | ${bill.dmLookups} | ${bill.overLimit} | ${bill.dmEvents} | ${bill.users} | ${bill.posts} | ${money(bill.dollars)} |`;
  return [
    `| client | calls to X | DM lookups | X would refuse (${DM_LOOKUP_LIMIT.limit} per 15 min) | DM events billed | users billed | posts billed | dollars |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('naive client', naive),
    row('gateway', gateway),
    `| gateway / naive | ${percent(gateway.calls, naive.calls)} | ${percent(gateway.dmLookups, naive.dmLookups)} | | ` +
      `${percent(gateway.dmEvents, naive.dmEvents)} | ${percent(gateway.users, naive.users)} | ${percent(gateway.posts, naive.posts)} | ` +
      `${percent(gateway.dollars, naive.dollars)} |`,
  ];
}

function truthLine(steps: readonly StepResult[], ok: boolean): string[] {
  const naiveWrong = steps.flatMap((step) =>
    step.naiveChecks.filter((check) => !check.ok).map((check) => `step ${step.n} ${check.what}: ${check.detail}`),
  );
  return [
    `Every gateway answer equal to X's truth at its moment: ${ok ? 'yes' : '**no**'}.`,
    naiveWrong.length === 0
      ? "The naive client's answers matched X's truth at every step."
      : `The naive client's answers differed from X's truth: ${naiveWrong.join('; ')}.`,
  ];
}

function truthCell(step: StepResult): string {
  const failed = step.checks.filter((check) => !check.ok);
  return failed.length === 0
    ? `yes (${step.checks.length})`
    : `**no**: ${failed.map((check) => `${check.what}: ${check.detail}`).join('; ')}`;
}

/** Returned against billed: what X's deduplication took off each client's bill. */
function dedupLine(naive: Bill, gateway: Bill): string {
  const line = (name: string, bill: Bill) =>
    `${name} ${bill.returned.dmEvents} DM events, ${bill.returned.users} users and ${bill.returned.posts} posts returned, ` +
    `${bill.dmEvents}, ${bill.users} and ${bill.posts} billed`;
  return `Returned against billed (X bills a resource once per UTC day): ${line('naive client', naive)}; ${line('gateway', gateway)}.`;
}

function sessionSection(title: string, session: SessionResult): string[] {
  const lines = [
    `### ${title}`,
    '',
    ...totalsTable(session.naive, session.gateway),
    '',
    dedupLine(session.naive, session.gateway),
    '',
    ...truthLine(session.steps, session.truthOk),
    '',
    '| step | t (s) | gateway calls | gateway billed (events / users / posts) | gateway $ | naive calls | naive billed | naive $ | gateway = X | the gateway asked X |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const step of session.steps) {
    lines.push(
      `| ${step.n}. ${step.name} | ${(step.at - session.start) / 1000} | ${step.gateway.calls} | ${billed(step.gateway)} | ${money(step.gateway.dollars)} | ` +
        `${step.naive.calls} | ${billed(step.naive)} | ${money(step.naive.dollars)} | ${truthCell(step)} | ${step.asked.map((call) => `\`${call}\``).join(', ')} |`,
    );
  }
  return [...lines, ''];
}

function weekSection(week: WeekResult): string[] {
  const lines = [
    ...totalsTable(week.naive, week.gateway),
    '',
    dedupLine(week.naive, week.gateway),
    '',
    ...truthLine(
      week.days.flatMap((day) => day.steps),
      week.truthOk,
    ),
    '',
    '| day (UTC) | messages arrived | gateway calls | gateway billed (events / users / posts) | gateway $ | naive calls | naive billed | naive $ | gateway = X | the gateway asked X |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const day of week.days) {
    const truth = day.steps.map((step) => `${step.n}: ${truthCell(step)}`).join(', ');
    const asked = day.steps
      .flatMap((step) => step.asked)
      .map((call) => `\`${call}\``)
      .join(', ');
    lines.push(
      `| ${day.day} | ${day.arrived} | ${day.gateway.calls} | ${billed(day.gateway)} | ${money(day.gateway.dollars)} | ` +
        `${day.naive.calls} | ${billed(day.naive)} | ${money(day.naive.dollars)} | ${truth} | ${asked} |`,
    );
  }
  return [...lines, ''];
}

export function budgetMarkdown(sessions: SessionsResult, week: WeekResult, date = new Date()): string {
  return [
    '# Budget benchmark: what X bills',
    '',
    `${date.toISOString().slice(0, 10)}, sandbox seed ${sessions.seed}, FRESHNESS_MS ${sessions.freshnessMs}. ` +
      "`npm run bench:budget`; `bench/budget/` says what each replay sends. X's prices: " +
      `$${PRICES.dmEvent.toFixed(3)} per DM event, $${PRICES.user.toFixed(3)} per user, $${PRICES.post.toFixed(3)} per post, ` +
      'each billed once per UTC day however often it is returned; the DM lookups share ' +
      `${DM_LOOKUP_LIMIT.limit} requests per 15 minutes per user. Both are counted from the sandbox's log of what it ` +
      'answered each client (users and posts in `includes` and in the users and posts lookups, `/2/users/me` too).',
    '',
    '## One session: the rate limit binds',
    '',
    `A DM app session from ${SESSION_START.toISOString()} on a fake clock: ` +
      `${Object.entries(TIMELINE)
        .map(([name, at]) => `${name} ${at} s`)
        .join(', ')}. The naive client starts with ` +
      '`GET /2/users/me`, then makes one X call per screen: the inbox `GET /2/dm_events?max_results=100`, a conversation ' +
      '`GET /2/dm_conversations/{id}/dm_events?max_results=20` (a scroll: 10 more with `pagination_token`), an event ' +
      '`GET /2/dm_events/{id}`, a poll the conversation again; each with `expansions=sender_id`. The sandbox lets every ' +
      'call through; "X would refuse" counts the DM lookups X\'s own limit would have refused.',
    '',
    ...sessionSection('Cold: a gateway that has never seen the user', sessions.cold),
    ...sessionSection(
      'Warm: the same session 15 minutes later, the same UTC day (its bill: what was not billed yet today)',
      sessions.warm,
    ),
    `## A week of mornings: the memory saves the bill`,
    '',
    `${DAYS} days from ${WEEK_START.toISOString().slice(0, 10)}: each night 2 to 5 messages arrive from the user's demo ` +
      'friends, then at 08:00 UTC the user opens the inbox and the newest conversation (20 events). The gateway keeps ' +
      'its memory (the process store) all week; the naive client starts afresh each morning (`/2/users/me`, the inbox, ' +
      "the conversation). The sandbox's clock and the gateway's move together, so X's 30-day window moves on for both.",
    '',
    ...weekSection(week),
  ].join('\n');
}
