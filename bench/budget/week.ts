/**
 * The week of mornings: seven days on the fake clock, each the same. Through the night a few messages arrive (the
 * sandbox's demo friends write them); at 08:00 UTC the user opens the inbox, then the newest conversation. The
 * gateway is one instance with its memory (the process store) for the whole week; the naive client starts afresh
 * every morning and makes the calls a client without memory makes: who am I, the inbox, the conversation. X bills each
 * resource once per UTC day, so across days the bill is what the memory saves; every gateway answer is still checked
 * against X's truth at its moment, and X's 30-day window moves on with the clock.
 */
import { createRandom } from '../../src/sandbox/data/prng.js';
import type { Bill } from './billing.js';
import { screensOf } from './screens.js';
import { type StepResult, openWorld, sumOf } from './world.js';

/** Midnight UTC before the first morning: where the fake clock starts and the demo data's 30 days end. */
export const WEEK_START = new Date('2026-12-01T00:00:00Z');
export const DAYS = 7;
const DAY_MS = 86_400_000;
/** When the user opens the app each day: 08:00 UTC. */
const MORNING_MS = 8 * 3_600_000;
/** Messages arriving before each morning: 2 to 5, drawn from the seed. */
const ARRIVALS = { min: 2, max: 5 } as const;
/** Arrivals come this far apart, the last this long before the morning. */
const ARRIVAL_GAP_MS = 40 * 60_000;
const PAGE_SIZE = 20;

export interface DayResult {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Messages that arrived before the morning. */
  arrived: number;
  steps: StepResult[];
  gateway: Bill;
  naive: Bill;
}

export interface WeekResult {
  seed: number;
  freshnessMs: number;
  days: DayResult[];
  gateway: Bill;
  naive: Bill;
  /** Whether every gateway answer equalled X's truth at its moment. */
  truthOk: boolean;
}

export interface WeekOptions {
  /** The sandbox's seed, and the arrivals'. @default 42 */
  seed?: number;
  /** The gateway's FRESHNESS_MS. @default 30000 */
  freshnessMs?: number;
  /** How many mornings. @default 7 */
  days?: number;
}

export async function runWeek(options: WeekOptions = {}): Promise<WeekResult> {
  const seed = options.seed ?? 42;
  const freshnessMs = options.freshnessMs ?? 30_000;
  const world = await openWorld({ seed, freshnessMs, start: WEEK_START });
  const random = createRandom(seed);
  const screens = screensOf(world);
  const days: DayResult[] = [];
  try {
    for (let d = 0; d < (options.days ?? DAYS); d++) {
      const morning = WEEK_START.getTime() + d * DAY_MS + MORNING_MS;
      const arrived = random.int(ARRIVALS.min, ARRIVALS.max);
      for (let i = arrived; i > 0; i--) {
        world.setClock(morning - i * ARRIVAL_GAP_MS);
        world.sandbox.friendWrites(() => random.next());
      }
      const steps: StepResult[] = [];
      world.setClock(morning);
      steps.push(
        await world.step(
          '1',
          'inbox',
          () => screens.gatewayInbox('inbox'),
          () => screens.naiveInbox('inbox', true),
        ),
      );
      screens.conversationId = screens.inboxTop ?? '';
      world.setClock(morning + 10_000);
      steps.push(
        await world.step(
          '2',
          'open the newest conversation',
          () => screens.gatewayPage('open', PAGE_SIZE, false),
          () => screens.naivePage('open', PAGE_SIZE, false),
        ),
      );
      days.push({
        day: new Date(morning).toISOString().slice(0, 10),
        arrived,
        steps,
        gateway: sumOf(steps, 'gateway'),
        naive: sumOf(steps, 'naive'),
      });
    }
  } finally {
    await world.close();
  }
  const steps = days.flatMap((day) => day.steps);
  return {
    seed,
    freshnessMs,
    days,
    gateway: sumOf(steps, 'gateway'),
    naive: sumOf(steps, 'naive'),
    truthOk: steps.every((step) => step.checks.every((check) => check.ok)),
  };
}
