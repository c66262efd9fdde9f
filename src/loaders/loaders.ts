/**
 * The request's X objects: one loader per kind, primed with everything X's answers carried (the objects asked for
 * and their `includes`), and batching by id what has to be looked up.
 *
 * An object is known together with the set of fields it was asked for. A selection that reads more than an earlier
 * answer asked for does not get holes: the object is looked up again with the union of fields. Loaders live in the
 * request's context, so nothing here outlives the request or crosses to another token.
 */
import DataLoader from 'dataloader';
import { NotFoundError } from '../errors.js';
import { type LoadPlan, Planned, type SelectionPlan } from '../planner/plan.js';
import type { XSession } from '../upstream/session.js';
import { type KnownObject, type ObjectAnswer, forEachCarried, mergeKnown, missingKindOf } from './carried.js';
import { FIELDS_PARAM, type LinkKind, type XParams, isLookupKind, mergeParams } from '../x/params.js';
import type { Includes, Problem } from '../x/wire.js';

const LOOKUP_PATH: Partial<Record<LinkKind, string>> = { user: '/2/users', tweet: '/2/tweets' };

/** The most ids one lookup takes. */
export const LOOKUP_BATCH_SIZE = 100;

interface Key {
  readonly id: string;
  readonly load: LoadPlan;
}

/**
 * Whether one set of known fields holds every field of one load, by the two objects: a dialect's known sets and a
 * plan's field lists are each made once and shared by every load of every request.
 */
const coverage = new WeakMap<object, WeakMap<readonly string[], boolean>>();

function knowsAll(
  known: { readonly fields: ReadonlySet<string> | readonly string[] },
  fields: readonly string[],
): boolean {
  let byFields = coverage.get(known.fields);
  if (byFields === undefined) coverage.set(known.fields, (byFields = new WeakMap()));
  let all = byFields.get(fields);
  if (all === undefined) {
    const have = known.fields instanceof Set ? known.fields : new Set(known.fields);
    all = fields.every((field) => have.has(field));
    byFields.set(fields, all);
  }
  return all;
}

/** An object known beyond the request (the memory's), with the fields it is known with and when X returned it. */
export interface KnownElsewhere {
  readonly value: Record<string, unknown>;
  readonly fields: readonly string[];
  readonly at?: number;
}

/** An id known beyond the request as one X has no object for. */
export interface MissingElsewhere {
  readonly problem: Problem;
  readonly at?: number;
}

/** What a lookup answered, for whoever keeps it beyond the request (the caller's memory). */
export type LookupKeeper = (kind: 'user' | 'tweet', params: XParams, answer: LookupAnswer) => Promise<void>;

export interface LookupAnswer {
  readonly data?: object[];
  readonly includes?: Includes;
  readonly errors?: Problem[];
}

export class Loaders {
  /** Objects this request's answers carried, by kind and id (each map made when its kind first comes). */
  private readonly known: Partial<Record<LinkKind, Map<string, KnownObject>>> = {};
  /** Ids X said it does not have, with its problem, so the field reports X's own words. */
  private readonly missing: Partial<Record<LinkKind, Map<string, Problem>>> = {};
  private readonly lookups: Partial<Record<LinkKind, DataLoader<Key, object | null>>> = {};
  /** Objects known beyond this request (the caller's memory), asked when this request's answers lack one. */
  private elsewhere: Record<LinkKind, Readonly<Record<string, KnownElsewhere>>> | undefined;
  private missingElsewhere: Record<LinkKind, Readonly<Record<string, MissingElsewhere>>> | undefined;
  /** Users and posts known beyond this request from before this time (ms since the epoch) are looked up again. */
  private freshSince = -Infinity;
  private keeper: LookupKeeper | undefined;

  constructor(private readonly x: XSession) {}

  /**
   * Lets loads fall back on objects known beyond this request, each with the fields it is known with, and on what X
   * reported missing; users and posts X returned before `freshSince` are not used (they are looked up again).
   */
  useKnown(
    objects: Record<LinkKind, Readonly<Record<string, KnownElsewhere>>>,
    missing: Record<LinkKind, Readonly<Record<string, MissingElsewhere>>>,
    freshSince = -Infinity,
  ): void {
    this.elsewhere = objects;
    this.missingElsewhere = missing;
    this.freshSince = freshSince;
  }

  /** Tells `keeper` of every lookup's answer (awaited before the lookup's objects are used), so it can keep them. */
  keepLookups(keeper: LookupKeeper): void {
    this.keeper = keeper;
  }

  /** Whether something known beyond the request may be used: media, polls and places always; users and posts while fresh. */
  private fresh(kind: LinkKind, at: number | undefined): boolean {
    return !isLookupKind(kind) || this.freshSince === -Infinity || (at !== undefined && at >= this.freshSince);
  }

  /**
   * The object `id` of the kind `plan.load` names, wrapped with `plan`: at once when known with every field the plan
   * reads, otherwise through a batched lookup. Null when X has no such object (or, for media, polls and places, which
   * no lookup serves, when no answer carried it).
   */
  load<T>(plan: SelectionPlan, id: string): Planned<T> | null | Promise<Planned<T> | null> {
    const load = plan.load;
    if (!load) throw new TypeError('loadLinked() on a field that declares no link');
    const known = this.known[load.kind]?.get(id);
    if (known && knowsAll(known, load.fields)) return new Planned(known.value as T, plan);
    const found = this.elsewhere?.[load.kind][id];
    const remembered = found && this.fresh(load.kind, found.at) ? found : undefined;
    if (remembered && knowsAll(remembered, load.fields)) return new Planned(remembered.value as T, plan);
    const gone = this.missingElsewhere?.[load.kind][id];
    const problem =
      this.missing[load.kind]?.get(id) ?? (gone && this.fresh(load.kind, gone.at) ? gone.problem : undefined);
    if (problem) return Promise.reject(notFound(problem));
    // An object this request's own call expanded is known as that call asked for it. Below an answer served from
    // memory, a user or post memory lacks, knows with fewer fields than this selection reads, or knows from too long
    // ago is looked up with them.
    const lookUp = isLookupKind(load.kind) && (remembered !== undefined || (this.elsewhere !== undefined && !known));
    const batch = load.batch ?? (lookUp ? { [FIELDS_PARAM[load.kind]]: load.fields.join(',') } : undefined);
    if (!batch)
      return known ? new Planned(known.value as T, plan) : remembered ? new Planned(remembered.value as T, plan) : null;
    return this.lookup(load.kind)
      .load({ id, load: Object.assign({}, load, { batch }) })
      .then((value) => (value === null ? null : new Planned(value as T, plan)));
  }

  /** Records what an answer carried: `objects` of `kind` asked for with `params`, its `includes` and partial errors. */
  prime(kind: LinkKind | 'dm_event', params: XParams, answer: ObjectAnswer): void {
    forEachCarried(this.x.dialect, params, answer, kind === 'dm_event' ? undefined : kind, (of, id, object, fields) => {
      const known = (this.known[of] ??= new Map<string, KnownObject>());
      known.set(id, mergeKnown(known.get(id), object, fields));
    });
    for (const problem of answer.errors ?? []) {
      const missingKind = missingKindOf(problem);
      if (missingKind) (this.missing[missingKind] ??= new Map()).set(problem.resource_id!, problem);
    }
  }

  private lookup(kind: LinkKind): DataLoader<Key, object | null> {
    let loader = this.lookups[kind];
    if (!loader) {
      // No cache here: `known` is the cache, and it knows which fields each object was asked for.
      loader = new DataLoader<Key, object | null>((keys) => this.batch(kind, keys), { cache: false });
      this.lookups[kind] = loader;
    }
    return loader;
  }

  /** One lookup per 100 distinct ids, asking for the union of every waiting selection's fields. */
  private async batch(kind: LinkKind, keys: readonly Key[]): Promise<(object | null | Error)[]> {
    const path = LOOKUP_PATH[kind]!;
    const params = mergeParams(keys.map((key) => key.load.batch!));
    const ids = [...new Set(keys.map((key) => key.id))];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH_SIZE) chunks.push(ids.slice(i, i + LOOKUP_BATCH_SIZE));
    await Promise.all(
      chunks.map(async (chunk) => {
        const answer = await this.x.get<LookupAnswer>(path, { ...params, ids: chunk.join(',') });
        this.prime(kind, params, answer);
        if (this.keeper && isLookupKind(kind)) await this.keeper(kind, params, answer);
      }),
    );
    return keys.map((key) => {
      const known = this.known[kind]?.get(key.id);
      if (known) return known.value;
      const problem = this.missing[kind]?.get(key.id);
      return problem ? notFound(problem) : null;
    });
  }
}

function notFound(problem: Problem): NotFoundError {
  return new NotFoundError(problem.detail ?? problem.title ?? 'X has no such object.', { problem });
}
