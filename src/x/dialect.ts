/**
 * X's two dialects, and the one place that translates between them and the gateway's own vocabulary.
 *
 * The gateway plans, loads and resolves in one vocabulary: X's older spec 2.159, where posts are tweets
 * (`tweet.fields`, `referenced_tweets.id`, `includes.tweets`) and link ids are fields like any other (`sender_id`).
 * X's production spec 2.167 renamed tweets to posts and moved link ids behind their expansions (`../shared/X-API.md`
 * has the whole table). A `Dialect` translates:
 * - a call's parameters into the upstream's (`toWire`);
 * - an answer from the upstream's names into the gateway's (`readAnswer`);
 * - and it answers the planner's and the loaders' questions: which expansions an endpoint offers, which fields X
 *   gives only to the objects a call asks for (never to included ones), and which fields come without asking.
 *
 * Nothing outside this module says `if (dialect ...)`: each part asks its dialect.
 */
import { BoundedMemo } from '../memo.js';
import { SPEC_VOCABULARY, type SpecVersion } from './generated/vocabulary.js';
import { FIELDS_PARAM, type LinkKind, type RootKind, type XKind, splitList } from './params.js';

export type DialectName = 'posts' | 'tweets';
export const DIALECT_NAMES: readonly DialectName[] = ['posts', 'tweets'];

/** A query: field and expansion parameters, and anything else (ids, paging), which passes through untouched. */
type Query = Readonly<Record<string, string | undefined>>;

/** An answer in either vocabulary: X's envelope, whatever it holds. */
interface Answer {
  data?: unknown;
  includes?: Record<string, unknown[] | undefined>;
  errors?: Record<string, unknown>[];
}

/**
 * An expansion of the upstream that stands for a field of the objects a call asks for, and for the expansion that
 * follows it: in 2.167, `expansions=sender_id` is the only way to get an event's `sender_id`, and
 * `expansions=referenced_posts` is both the event's `referenced_tweets` and the gateway's `referenced_tweets.id`.
 */
interface CarriedField {
  readonly root: RootKind;
  /** The gateway's name of the id field it brings onto the called object. */
  readonly field: string;
  /** The gateway's expansion it also performs. */
  readonly expansion: string;
  /** Its name on the wire. */
  readonly wire: string;
}

/** Renames inside one value object of an X object (its `public_metrics`, its `withheld`). */
interface InnerRenames {
  /** Gateway key -> wire key. */
  readonly keys?: Readonly<Record<string, string>>;
  /** Per key, gateway value -> wire value. */
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface DialectTable {
  readonly name: DialectName;
  readonly specVersion: SpecVersion;
  /** Where the problem `type` URLs of this dialect live. */
  readonly problemBase: string;
  /** Renamed query parameters: gateway name -> wire name. */
  readonly params: Readonly<Record<string, string>>;
  /** Renamed keys of objects, in answers and in `*.fields`: per kind, gateway name -> wire name. */
  readonly keys: Readonly<Partial<Record<XKind, Readonly<Record<string, string>>>>>;
  /**
   * Renamed keys and values inside value objects: per kind, field -> renames (2.167: a post's
   * `public_metrics.retweet_count` is `repost_count`, its `withheld.scope` `tweet` is `post`).
   */
  readonly inner: Readonly<Partial<Record<XKind, Readonly<Record<string, InnerRenames>>>>>;
  /** Renamed `includes` keys: gateway name -> wire name. */
  readonly includes: Readonly<Record<string, string>>;
  readonly carried: readonly CarriedField[];
  /**
   * Fields the gateway reads that this dialect spells as another field (`subscribes_to_you` is inside
   * `subscription` in 2.159): per kind, gateway name -> wire field to ask for instead. The resolver reads either.
   */
  readonly standIns: Readonly<Partial<Record<XKind, Readonly<Record<string, string>>>>>;
  /** X's `resource_type` of a post in partial errors. */
  readonly postResourceType: string;
  /** Fields X sends of an included or looked-up object without being asked, in the gateway's names. */
  readonly defaults: Readonly<Record<LinkKind, readonly string[]>>;
}

const COMMON_DEFAULTS = {
  user: ['id', 'name', 'username'],
  media: ['media_key', 'type'],
  poll: ['id', 'options'],
  place: ['id', 'full_name'],
} as const;

const TWEETS: DialectTable = {
  name: 'tweets',
  specVersion: '2.159',
  problemBase: 'https://api.twitter.com/2/problems/',
  params: {},
  keys: {},
  inner: {},
  includes: {},
  carried: [],
  standIns: { user: { subscribes_to_you: 'subscription' }, tweet: { article_title: 'article' } },
  postResourceType: 'tweet',
  defaults: { ...COMMON_DEFAULTS, tweet: ['id', 'text', 'edit_history_tweet_ids'] },
};

const carried = (root: RootKind, field: string, wire: string, expansion = field): CarriedField => ({
  root,
  field,
  expansion,
  wire,
});

const POSTS: DialectTable = {
  name: 'posts',
  specVersion: '2.167',
  problemBase: 'https://api.x.com/2/problems/',
  params: { 'tweet.fields': 'post.fields' },
  keys: {
    dm_event: { referenced_tweets: 'referenced_posts' },
    tweet: {
      referenced_tweets: 'referenced_posts',
      edit_history_tweet_ids: 'edit_history_post_ids',
      note_tweet: 'note_post',
    },
    user: { pinned_tweet_id: 'pinned_post_id', most_recent_tweet_id: 'most_recent_post_id' },
  },
  inner: {
    tweet: {
      public_metrics: { keys: { retweet_count: 'repost_count' } },
      withheld: { values: { scope: { tweet: 'post' } } },
    },
    user: { public_metrics: { keys: { tweet_count: 'post_count' } } },
  },
  includes: { tweets: 'posts' },
  carried: [
    carried('dm_event', 'sender_id', 'sender_id'),
    carried('dm_event', 'participant_ids', 'participant_ids'),
    carried('dm_event', 'referenced_tweets', 'referenced_posts', 'referenced_tweets.id'),
    carried('tweet', 'author_id', 'author_id'),
    carried('tweet', 'in_reply_to_user_id', 'in_reply_to_user_id'),
    carried('tweet', 'referenced_tweets', 'referenced_posts', 'referenced_tweets.id'),
    carried('tweet', 'edit_history_tweet_ids', 'edit_history_post_ids'),
    carried('user', 'pinned_tweet_id', 'pinned_post_id'),
    carried('user', 'most_recent_tweet_id', 'most_recent_post_id'),
    carried('user', 'affiliation', 'affiliation', 'affiliation.user_id'),
  ],
  standIns: {},
  postResourceType: 'post',
  // 2.167 lists a post's edit history only as an expansion, like the other id fields: it is asked for when read.
  defaults: { ...COMMON_DEFAULTS, tweet: ['id', 'text'] },
};

/** The operation of X's spec whose parameters a call of `root` follows. */
const OPERATION_OF: Record<RootKind, string> = {
  dm_event: 'GET /2/dm_events',
  user: 'GET /2/users',
  tweet: 'GET /2/tweets',
};

/**
 * How the objects of one kind are renamed one way: their keys, their string values by key, and the value objects
 * under some keys in turn (a post's `public_metrics`).
 */
interface Renames {
  readonly keys?: ReadonlyMap<string, string>;
  readonly values?: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly inner?: ReadonlyMap<string, Renames>;
}

/** A table's renames (gateway name -> wire name) read the way answers are: wire name -> gateway name. */
const inverseMapOf = (record: Readonly<Record<string, string>> | undefined) =>
  new Map(Object.entries(record ?? {}).map(([own, wire]) => [wire, own]));

/**
 * A copy of `object` renamed by `renames`, its keys in their order. Never renamed in place: V8 turns an object that
 * loses a key into a slow dictionary, and every later read of it pays (`docs/performance.md`).
 */
function renamedObject(object: Record<string, unknown>, renames: Renames): Record<string, unknown> {
  if (!touches(object, renames)) return object;
  const out: Record<string, unknown> = {};
  for (const key in object) {
    let value = object[key];
    const inner = renames.inner?.get(key);
    if (inner && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      value = renamedObject(value as Record<string, unknown>, inner);
    } else if (typeof value === 'string') {
      value = renames.values?.get(key)?.get(value) ?? value;
    }
    const to = renames.keys?.get(key) ?? key;
    // A JSON key `__proto__` is data; assigning it would set the copy's prototype instead.
    if (to === '__proto__')
      Object.defineProperty(out, to, { value, enumerable: true, writable: true, configurable: true });
    else out[to] = value;
  }
  return out;
}

/** How an answer is read: each kind's objects, and each `includes` list by its wire key (its own key, and its kind). */
interface AnswerRenames {
  readonly kinds: Partial<Record<XKind, Renames>>;
  readonly includes: ReadonlyMap<string, { readonly key: string; readonly kind?: XKind }>;
}

/** The kind of the objects in each `includes` list whose objects a dialect renames, by the gateway's key. */
const INCLUDED_KIND: Readonly<Record<string, XKind>> = { users: 'user', tweets: 'tweet' };

function answerRenames(table: DialectTable): AnswerRenames {
  const kinds: Partial<Record<XKind, Renames>> = {};
  for (const kind of new Set([...Object.keys(table.keys), ...Object.keys(table.inner)]) as Set<XKind>) {
    const inner = Object.entries(table.inner[kind] ?? {}).map(([field, renames]): [string, Renames] => [
      field,
      {
        keys: inverseMapOf(renames.keys),
        values: new Map(Object.entries(renames.values ?? {}).map(([key, values]) => [key, inverseMapOf(values)])),
      },
    ]);
    kinds[kind] = { keys: inverseMapOf(table.keys[kind]), inner: new Map(inner) };
  }
  const includes = new Map<string, { key: string; kind?: XKind }>();
  for (const own of new Set([...Object.keys(table.includes), ...Object.keys(INCLUDED_KIND)])) {
    const wire = table.includes[own] ?? own;
    const kind = INCLUDED_KIND[own];
    includes.set(wire, { key: own, ...(kind && { kind }) });
  }
  return { kinds, includes };
}

/** Whether `object` has a key that `renames` renames, or whose value it renames: one that has none is left as it is. */
function touches(object: Record<string, unknown>, renames: Renames): boolean {
  for (const names of [renames.keys, renames.values, renames.inner]) {
    if (names) for (const key of names.keys()) if (key in object) return true;
  }
  return false;
}

/** Objects as an answer holds them (a list, or one for a lookup by id), each renamed. */
function renamedObjects(objects: unknown, renames: Renames | undefined): unknown {
  if (!renames || objects === null || typeof objects !== 'object') return objects;
  return Array.isArray(objects)
    ? objects.map((object: Record<string, unknown>) => renamedObject(object, renames))
    : renamedObject(objects as Record<string, unknown>, renames);
}

/** Parameter values `toWire` remembers before starting over (plans make few; this bounds the odd caller). */
const MAX_WIRE_NODES = 5_000;

/**
 * `toWire`'s memo: from a called kind's node, each field or expansion parameter of a query leads on by its name and
 * then its value, and the node a query ends on holds its translation.
 */
interface WireNode {
  readonly next: Map<string, Map<string, WireNode>>;
  wire?: Readonly<Record<string, string>>;
}

function newWireFields(): Record<RootKind, WireNode> {
  return { dm_event: { next: new Map() }, user: { next: new Map() }, tweet: { next: new Map() } };
}

/** Distinct field lists `knownFields` remembers per kind before starting over. */
const MAX_KNOWN_FIELD_SETS = 1_000;

/** One dialect of X, built from its table and the vocabulary of its spec. */
export class Dialect {
  readonly name: DialectName;
  readonly specVersion: SpecVersion;
  private readonly table: DialectTable;
  /** Per called kind: the wire values each field or expansion parameter accepts (from the spec). */
  private readonly wireValues: Record<RootKind, Record<string, ReadonlySet<string>>>;
  /** Per called kind: the gateway's expansions this dialect's endpoint offers. */
  private readonly offered: Record<RootKind, ReadonlySet<string>>;
  private readonly rootOnly: Record<RootKind, ReadonlySet<string>>;
  /** Per called kind: the expansions that carry its id fields (every call translates through them). */
  private readonly carriedOf = {} as Record<RootKind, readonly CarriedField[]>;
  /** `toWire`'s translations of field and expansion parameters, per called kind, by their values (see `WireNode`). */
  private wireFields = newWireFields();
  private wireNodes = 0;
  /** How answers are renamed into the gateway's names. */
  private readonly renames: AnswerRenames;
  /** `knownFields`' sets, per kind and whether asked, by field list. */
  private readonly knownFieldSets = new Map<string, BoundedMemo<string, ReadonlySet<string>>>();

  constructor(table: DialectTable) {
    this.table = table;
    this.name = table.name;
    this.specVersion = table.specVersion;
    const operations = SPEC_VOCABULARY[table.specVersion] as unknown as Record<
      string,
      Record<string, { values?: string[] }>
    >;
    const roots: RootKind[] = ['dm_event', 'user', 'tweet'];
    this.wireValues = {} as Record<RootKind, Record<string, ReadonlySet<string>>>;
    this.offered = {} as Record<RootKind, ReadonlySet<string>>;
    this.rootOnly = {} as Record<RootKind, ReadonlySet<string>>;
    for (const root of roots) {
      const parameters = operations[OPERATION_OF[root]]!;
      const values: Record<string, ReadonlySet<string>> = {};
      for (const [name, rule] of Object.entries(parameters)) if (rule.values) values[name] = new Set(rule.values);
      this.wireValues[root] = values;
      const carriedHere = table.carried.filter((c) => c.root === root);
      this.carriedOf[root] = carriedHere;
      const expansionsIn: Record<string, string> = {};
      for (const c of carriedHere) expansionsIn[c.wire] = c.expansion;
      this.offered[root] = new Set([...(values.expansions ?? [])].map((wire) => expansionsIn[wire] ?? wire));
      this.rootOnly[root] = new Set(carriedHere.map((c) => c.field));
    }
    this.renames = answerRenames(table);
  }

  /** Whether a call asking for `root` objects can expand the gateway's `expansion`. */
  canExpand(root: RootKind, expansion: string): boolean {
    return this.offered[root].has(expansion);
  }

  /**
   * Whether X gives `field` of a `kind` object only to the objects a call asks for (through an expansion), never to
   * objects it includes: such a field of an included object is reached by looking that object up.
   */
  isRootOnly(kind: XKind, field: string): boolean {
    return kind in this.rootOnly && this.rootOnly[kind as RootKind].has(field);
  }

  /** Fields X sends of an included or looked-up `kind` object without being asked, in the gateway's names. */
  defaults(kind: LinkKind): readonly string[] {
    return this.table.defaults[kind];
  }

  /**
   * The fields an answer carries of its `kind` objects when the call asked for `fieldList` of them: X's defaults and
   * what was asked, less the root-only fields when the objects were only included (`asked` false). One set per field
   * list, shared: plans ask for the same few again and again, and a known object's set is never changed.
   */
  knownFields(kind: LinkKind, fieldList: string | undefined, asked: boolean): ReadonlySet<string> {
    const slot = asked ? kind : `${kind} included`;
    let memo = this.knownFieldSets.get(slot);
    if (!memo) this.knownFieldSets.set(slot, (memo = new BoundedMemo(MAX_KNOWN_FIELD_SETS)));
    return memo.get(fieldList ?? '', (list) => {
      const fields = new Set(this.defaults(kind));
      for (const field of splitList(list)) if (asked || !this.isRootOnly(kind, field)) fields.add(field);
      return fields;
    });
  }

  /** The problem `type` URL of `name` (`resource-not-found`) in this dialect. */
  problemType(name: string): string {
    return this.table.problemBase + name;
  }

  /**
   * The upstream's query for a call asking for `root` objects, from the gateway's. Fields this dialect has no way to
   * ask for are left out (their GraphQL fields are null); every value is one the spec lists.
   */
  toWire(root: RootKind, query: Query): Record<string, string> {
    // The field and expansion parameters come from plans, so the same few translate again and again: they are
    // translated once; ids, paging and the like pass through. They are found by walking their values one parameter
    // at a time, never joined into one key: a plan's values are the same strings on every call, and a string keeps
    // its hash, where a key made of several would be built and hashed whole on each call.
    if (this.wireNodes >= MAX_WIRE_NODES) {
      this.wireFields = newWireFields();
      this.wireNodes = 0;
    }
    let node = this.wireFields[root];
    const rest: Record<string, string> = {};
    for (const name in query) {
      const value = query[name];
      if (value === undefined) continue;
      if (name !== 'expansions' && !kindOfFieldsParam(name)) {
        rest[name] = value;
        continue;
      }
      let byValue = node.next.get(name);
      if (!byValue) node.next.set(name, (byValue = new Map<string, WireNode>()));
      let child = byValue.get(value);
      if (!child) {
        byValue.set(value, (child = { next: new Map() }));
        this.wireNodes += 1;
      }
      node = child;
    }
    node.wire ??= this.translateFields(root, query);
    return Object.assign(rest, node.wire);
  }

  /** `toWire` of the field and expansion parameters of `query`. */
  private translateFields(root: RootKind, query: Query): Readonly<Record<string, string>> {
    const wire: Record<string, string> = {};
    const carriedHere = this.carriedOf[root];
    const expansions = new Set<string>();
    for (const expansion of splitList(query.expansions)) {
      expansions.add(carriedHere.find((c) => c.expansion === expansion)?.wire ?? expansion);
    }
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || name === 'expansions') continue;
      const kind = kindOfFieldsParam(name);
      if (!kind) continue;
      const wireName = this.table.params[name] ?? name;
      const accepted = this.wireValues[root][wireName];
      const keys = this.table.keys[kind];
      const standIns = this.table.standIns[kind];
      const fields = new Set<string>();
      for (const field of value.split(',')) {
        const carriedBy = kind === root ? carriedHere.find((c) => c.field === field) : undefined;
        if (carriedBy) {
          expansions.add(carriedBy.wire);
          continue;
        }
        const wireField = keys?.[field] ?? standIns?.[field] ?? field;
        if (accepted?.has(wireField)) fields.add(wireField);
      }
      if (fields.size > 0) wire[wireName] = [...fields].sort().join(',');
    }
    if (expansions.size > 0) {
      const accepted = this.wireValues[root].expansions;
      const offered = [...expansions].filter((expansion) => accepted?.has(expansion));
      if (offered.length > 0) wire.expansions = offered.sort().join(',');
    }
    return wire;
  }

  /**
   * An answer to a call asking for `root` objects in the gateway's names: in this dialect's, its objects are replaced
   * by renamed copies (the body is the caller's own, freshly parsed).
   */
  readAnswer<T>(root: RootKind, body: T): T {
    return this.renameAnswer(root, body);
  }

  private renameAnswer<T>(root: RootKind, body: T): T {
    if (this.table.name === 'tweets' || body === null || typeof body !== 'object') return body;
    const answer = body as Answer;
    const { kinds, includes } = this.renames;
    if (answer.data !== undefined) answer.data = renamedObjects(answer.data, kinds[root]);
    if (answer.includes) {
      const renamed: NonNullable<Answer['includes']> = {};
      for (const key in answer.includes) {
        const to = includes.get(key);
        renamed[to?.key ?? key] = renamedObjects(answer.includes[key], to?.kind && kinds[to.kind]) as
          unknown[] | undefined;
      }
      answer.includes = renamed;
    }
    for (const problem of answer.errors ?? []) this.renameProblem(problem);
    return body;
  }

  /** A partial error's names: the post's resource type and the parameter that expanded it. */
  private renameProblem(problem: Record<string, unknown>): void {
    if (problem.resource_type === this.table.postResourceType) problem.resource_type = 'tweet';
    if (typeof problem.parameter === 'string') {
      const carriedBy = this.table.carried.find((c) => c.wire === problem.parameter);
      if (carriedBy) problem.parameter = carriedBy.expansion;
    }
  }
}

const KIND_OF_FIELDS_PARAM: ReadonlyMap<string, XKind> = new Map(
  Object.entries(FIELDS_PARAM).map(([kind, param]) => [param, kind as XKind]),
);

/** The kind whose fields the parameter `name` lists, in the gateway's names (`tweet.fields` -> `tweet`). */
function kindOfFieldsParam(name: string): XKind | undefined {
  return KIND_OF_FIELDS_PARAM.get(name);
}

export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  posts: new Dialect(POSTS),
  tweets: new Dialect(TWEETS),
};

/** The default: X's production API as its spec 2.167 describes it. */
export const DEFAULT_DIALECT: DialectName = 'posts';

export function dialectOf(name: DialectName = DEFAULT_DIALECT): Dialect {
  return DIALECTS[name];
}
