/**
 * `npm run bench:pieces`: per-object work of an answer, timed on its own in one process over the 100-event page:
 *
 * - field reads through `Planned`'s getters (`src/schema/x-fields.ts`), each read at a site of its own as graphql-jit
 *   compiles them, against the same getters made as one shared closure reading `this.x[name]`;
 * - `Loaders.load` of every event's sender, participants, media and posts with the arm-C plan's fields, from a
 *   request's loaders primed with the page (what each link of an answer costs before its fields are read).
 *
 * Run the same script in a worktree of another commit for a before/after pair. Each figure is the median
 * of 7 rounds.
 *
 *   npm run bench:pieces
 */
import { Loaders } from '../src/loaders/loaders.js';
import { Planned, type SelectionPlan } from '../src/planner/plan.js';
import { schema } from '../src/schema/index.js';
import type { XSession } from '../src/upstream/session.js';
import { dialectOf } from '../src/x/dialect.js';
import { sandboxDialect } from '../src/sandbox/speech.js';
import { FIELDS_PARAM, type LinkKind } from '../src/x/params.js';
import { EVERYTHING_PARAMS } from './lib/arms.js';
import { cpuMicrosPerCall, median } from './lib/harness.js';
import { buildPages } from './lib/pages.js';

void schema; // building it puts the getters on Planned
type X = Record<string, unknown>;
const page = buildPages([100]).get(100)!;
const answer = () => JSON.parse(page.bytes.toString()) as { data: X[]; includes: Record<string, X[]> };

// Getters: the X field each reads, found by reading it from an object that answers every key with its own name.
const getters = Object.entries(Object.getOwnPropertyDescriptors(Planned.prototype)).flatMap(([name, d]) =>
  d.get ? [{ name, xField: d.get.call({ x: new Proxy({}, { get: (_, key) => key }) }) as string }] : [],
);
class SharedGetters {
  constructor(readonly x: X) {}
}
for (const { name, xField } of getters) {
  Object.defineProperty(SharedGetters.prototype, name, {
    get(this: SharedGetters) {
      return this.x[xField];
    },
  });
}
const { includes } = answer();
const objects = [...includes.users!, ...includes.tweets!, ...includes.media!];
/** A reader per object shape, as graphql-jit compiles one per type: each getter the object has a field for, read once. */
function readerOf(object: X): (source: object) => unknown {
  const names = getters.filter(({ xField }) => xField in object).map(({ name }) => JSON.stringify(name));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('o', `return [${names.map((name) => `o[${name}]`).join(', ')}];`) as (source: object) => unknown;
}
const reads = objects.reduce((sum, object) => sum + getters.filter(({ xField }) => xField in object).length, 0);
for (const [label, make] of [
  ['compiled getters (the gateway)', (x: X) => new Planned(x, { children: {} })],
  ['one shared closure', (x: X) => new SharedGetters(x)],
] as const) {
  const wrapped = objects.map((object) => ({ source: make(object) as object, read: readerOf(object) }));
  const ns = (await cpuMicrosPerCall(() => wrapped.forEach(({ source, read }) => read(source)), 2_000, { units: reads })) * 1000;
  console.log(`field read through ${label}: ${ns.toFixed(2)} ns (${reads} reads a round)`);
}

// Loads: every link of every event, with the fields the arm-C plan reads.
const dialect = dialectOf('tweets');
const planOf = (kind: LinkKind): SelectionPlan => ({
  children: {},
  load: { kind, fields: EVERYTHING_PARAMS[FIELDS_PARAM[kind]]!.split(',').sort() },
});
const plans = { user: planOf('user'), tweet: planOf('tweet'), media: planOf('media') };
const { data: events } = answer();
const links = events.flatMap((event) => [
  ...[event.sender_id, ...((event.participant_ids as string[] | undefined) ?? [])].filter(Boolean).map((id) => ({ plan: plans.user, id })),
  ...(((event.attachments as X | undefined)?.media_keys as string[] | undefined) ?? []).map((id) => ({ plan: plans.media, id })),
  ...(((event.referenced_tweets as X[] | undefined) ?? []).map((r) => ({ plan: plans.tweet, id: r.id }))),
]) as { plan: SelectionPlan; id: string }[];
const primed = answer();
const loadAll = () => {
  const loaders = new Loaders({ dialect } as XSession);
  loaders.prime('dm_event', EVERYTHING_PARAMS, primed);
  for (const { plan, id } of links) loaders.load(plan, id);
};
const perLoad = await cpuMicrosPerCall(loadAll, 2_000, { units: links.length });
console.log(`Loaders.load of a link the page carried: ${perLoad.toFixed(3)} µs, priming included (${links.length} links)`);

// Answers in each dialect: the same page, as each dialect's X sends it, timed in turn round by round.
const dialects = (['tweets', 'posts'] as const).map((name) => {
  const wireDialect = dialectOf(name);
  const wire = JSON.stringify(sandboxDialect(name).writeAnswer('dm_event', answer()));
  return { name, read: () => JSON.stringify(wireDialect.readAnswer('dm_event', JSON.parse(wire))) };
});
const rounds = dialects.map(() => [] as number[]);
for (let round = 0; round < 7; round++) {
  for (const [i, { read }] of dialects.entries()) rounds[i]!.push(await cpuMicrosPerCall(read, 30));
}
dialects.forEach(({ name }, i) => {
  console.log(`an answer of 100 events in the ${name} dialect, parsed, read into the gateway's names and read whole: ${median(rounds[i]!).toFixed(0)} µs`);
});
const ratios = rounds[1]!.map((posts, round) => posts / rounds[0]![round]!);
console.log(`posts against tweets, the median of each round's ratio: ${median(ratios).toFixed(2)}`);
