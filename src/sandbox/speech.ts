/**
 * How the sandbox speaks each of X's two dialects, written from X's specs on its own: `tweets` is spec 2.159
 * (`spec/x-openapi-2.159-dm.json`), `posts` is X's production spec 2.167 (`spec/x-openapi-2.167-dm.json`).
 *
 * The demo data is kept in 2.159's names. A request's `*.fields` and `expansions` are read into those names
 * (`readSelection`), the answer is built in them, and `writeAnswer` writes it out in the dialect's. The gateway has a
 * translation of its own (`src/x/dialect.ts`) that the sandbox never uses: the sandbox is what the gateway is tested
 * against, so a mistake in the gateway's translation must not be made on both sides.
 */
import type { SpecVersion } from '../x/generated/vocabulary.js';
import { FIELDS_PARAM, type LinkKind, type RootKind, type XKind } from '../x/params.js';

export type DialectName = 'posts' | 'tweets';
export const DIALECT_NAMES: readonly DialectName[] = ['posts', 'tweets'];
/** X's production API speaks posts. */
export const DEFAULT_DIALECT: DialectName = 'posts';

/** Renames of one kind of object: its keys (stored -> wire), and inside some of its value objects, keys and values. */
interface ObjectRenames {
  readonly keys?: Readonly<Record<string, string>>;
  readonly inner?: Readonly<
    Record<
      string,
      { keys?: Readonly<Record<string, string>>; values?: Readonly<Record<string, Readonly<Record<string, string>>>> }
    >
  >;
}

/**
 * An expansion that also brings the id field it follows onto the objects a call asks for (2.167 has no other way to
 * ask for such a field): the stored field it brings and the stored expansion it performs.
 */
interface Carrier {
  readonly field: string;
  readonly expansion: string;
}

interface Grammar {
  readonly name: DialectName;
  readonly specVersion: SpecVersion;
  /** Where problem `type` URLs live. */
  readonly problemBase: string;
  /** The parameter that lists a post's fields. */
  readonly postFieldsParam: string;
  /** What a post is called in partial errors (`resource_type`). */
  readonly postResourceType: string;
  /** The `includes` key of posts. */
  readonly postsIncludeKey: string;
  readonly renames: Readonly<Partial<Record<XKind, ObjectRenames>>>;
  /** Per called kind: the wire expansions that carry an id field. */
  readonly carriers: Readonly<Partial<Record<RootKind, Readonly<Record<string, Carrier>>>>>;
  /** Fields X sends of a linked object without being asked. */
  readonly defaults: Readonly<Record<LinkKind, readonly string[]>>;
}

const COMMON_DEFAULTS = {
  user: ['id', 'name', 'username'],
  media: ['media_key', 'type'],
  poll: ['id', 'options'],
  place: ['id', 'full_name'],
} as const;

/** 2.159: the names the demo data is kept in. Nothing is renamed and every id field is a field like any other. */
const TWEETS: Grammar = {
  name: 'tweets',
  specVersion: '2.159',
  problemBase: 'https://api.twitter.com/2/problems/',
  postFieldsParam: 'tweet.fields',
  postResourceType: 'tweet',
  postsIncludeKey: 'tweets',
  renames: {},
  carriers: {},
  defaults: { ...COMMON_DEFAULTS, tweet: ['id', 'text', 'edit_history_tweet_ids'] },
};

const carrier = (field: string, expansion = field): Carrier => ({ field, expansion });

/**
 * 2.167: `Post` for `Tweet` (`post.fields`, `includes.posts`, `referenced_posts`, `edit_history_post_ids`,
 * `note_post`, `repost_count`, `post_count`, withheld scope `post`), and link ids only through their expansions:
 * `DmEvent.sender_id`, `participant_ids` and `referenced_posts`; `Post.author_id`, `in_reply_to_user_id`,
 * `referenced_posts` and `edit_history_post_ids`; `User.pinned_post_id`, `most_recent_post_id` and `affiliation`.
 */
const POSTS: Grammar = {
  name: 'posts',
  specVersion: '2.167',
  problemBase: 'https://api.x.com/2/problems/',
  postFieldsParam: 'post.fields',
  postResourceType: 'post',
  postsIncludeKey: 'posts',
  renames: {
    dm_event: { keys: { referenced_tweets: 'referenced_posts' } },
    tweet: {
      keys: {
        referenced_tweets: 'referenced_posts',
        edit_history_tweet_ids: 'edit_history_post_ids',
        note_tweet: 'note_post',
      },
      inner: {
        public_metrics: { keys: { retweet_count: 'repost_count' } },
        withheld: { values: { scope: { tweet: 'post' } } },
      },
    },
    user: {
      keys: { pinned_tweet_id: 'pinned_post_id', most_recent_tweet_id: 'most_recent_post_id' },
      inner: { public_metrics: { keys: { tweet_count: 'post_count' } } },
    },
  },
  carriers: {
    dm_event: {
      sender_id: carrier('sender_id'),
      participant_ids: carrier('participant_ids'),
      referenced_posts: carrier('referenced_tweets', 'referenced_tweets.id'),
    },
    tweet: {
      author_id: carrier('author_id'),
      in_reply_to_user_id: carrier('in_reply_to_user_id'),
      referenced_posts: carrier('referenced_tweets', 'referenced_tweets.id'),
      edit_history_post_ids: carrier('edit_history_tweet_ids'),
    },
    user: {
      pinned_post_id: carrier('pinned_tweet_id'),
      most_recent_post_id: carrier('most_recent_tweet_id'),
      affiliation: carrier('affiliation', 'affiliation.user_id'),
    },
  },
  defaults: { ...COMMON_DEFAULTS, tweet: ['id', 'text'] },
};

const GRAMMARS: Readonly<Record<DialectName, Grammar>> = { posts: POSTS, tweets: TWEETS };

/** An answer's envelope, whatever it holds. */
interface Envelope {
  data?: unknown;
  includes?: Record<string, unknown>;
  errors?: Record<string, unknown>[];
}

/** The kind of the objects in an `includes` list, by its stored key. */
const INCLUDED_KIND: Readonly<Record<string, XKind>> = {
  users: 'user',
  tweets: 'tweet',
  media: 'media',
  polls: 'poll',
  places: 'place',
};

export class SandboxDialect {
  readonly name: DialectName;
  readonly specVersion: SpecVersion;
  private readonly grammar: Grammar;
  /** The stored fields that only objects a call asks for carry, per kind. */
  private readonly rootOnly: ReadonlyMap<XKind, ReadonlySet<string>>;
  /** Wire parameter, expansion and field names read back into stored ones. */
  private readonly fieldsIn: ReadonlyMap<XKind, ReadonlyMap<string, string>>;
  /** Every stored expansion name a wire one stands for, beyond the carriers. */
  private readonly parameterOut: ReadonlyMap<string, string>;

  constructor(name: DialectName) {
    const grammar = GRAMMARS[name];
    this.grammar = grammar;
    this.name = name;
    this.specVersion = grammar.specVersion;
    this.rootOnly = new Map(
      Object.entries(grammar.carriers).map(([kind, carriers]) => [
        kind as XKind,
        new Set(Object.values(carriers).map((c) => c.field)),
      ]),
    );
    this.fieldsIn = new Map(
      Object.entries(grammar.renames).map(([kind, renames]) => [
        kind as XKind,
        new Map(Object.entries(renames.keys ?? {}).map(([stored, wire]) => [wire, stored])),
      ]),
    );
    const parameterOut = new Map<string, string>();
    for (const carriers of Object.values(grammar.carriers)) {
      for (const [wire, { expansion }] of Object.entries(carriers)) parameterOut.set(expansion, wire);
    }
    this.parameterOut = parameterOut;
  }

  /** The problem `type` URL of `name` (`resource-not-found`). */
  problemType(name: string): string {
    return this.grammar.problemBase + name;
  }

  /** Fields X sends of a linked `kind` object without being asked, in stored names. */
  defaults(kind: LinkKind): readonly string[] {
    return this.grammar.defaults[kind];
  }

  /** Whether X gives `field` of a `kind` object only to the objects a call asks for, never to included ones. */
  isRootOnly(kind: XKind, field: string): boolean {
    return this.rootOnly.get(kind)?.has(field) ?? false;
  }

  /**
   * A validated request's `*.fields` and `expansions` in stored names: `{ 'tweet.fields': 'a,b', expansions: '...' }`.
   * An expansion that carries an id field asks for that field of the called objects too.
   */
  readSelection(root: RootKind, selection: Readonly<Record<string, string>>): Record<string, string> {
    const lists = new Map<string, Set<string>>();
    const add = (param: string, value: string) => {
      let set = lists.get(param);
      if (!set) lists.set(param, (set = new Set()));
      set.add(value);
    };
    const carriers = this.grammar.carriers[root] ?? {};
    for (const [name, value] of Object.entries(selection)) {
      if (name === 'expansions') {
        for (const wire of value.split(',')) {
          const carried = carriers[wire];
          if (carried) add(FIELDS_PARAM[root], carried.field);
          add('expansions', carried?.expansion ?? wire);
        }
        continue;
      }
      const kind = this.kindOfFieldsParam(name);
      if (!kind) continue;
      const storedNames = this.fieldsIn.get(kind);
      for (const field of value.split(',')) add(FIELDS_PARAM[kind], storedNames?.get(field) ?? field);
    }
    return Object.fromEntries([...lists].map(([param, set]) => [param, [...set].join(',')]));
  }

  /** An answer to a call for `root` objects, built in stored names, in this dialect's names (objects are copied). */
  writeAnswer<T extends Envelope>(root: RootKind, body: T): T {
    if (this.name === 'tweets') return body;
    const out: Envelope = { ...body };
    if (body.data !== undefined) out.data = this.writeObjects(root, body.data);
    if (body.includes) {
      out.includes = {};
      for (const [key, list] of Object.entries(body.includes)) {
        const kind = INCLUDED_KIND[key];
        out.includes[key === 'tweets' ? this.grammar.postsIncludeKey : key] = kind
          ? this.writeObjects(kind, list)
          : list;
      }
    }
    if (body.errors) out.errors = body.errors.map((problem) => this.writeProblem(problem));
    return out as T;
  }

  private kindOfFieldsParam(name: string): XKind | undefined {
    if (name === this.grammar.postFieldsParam) return 'tweet';
    for (const [kind, param] of Object.entries(FIELDS_PARAM))
      if (param === name && kind !== 'tweet') return kind as XKind;
    return undefined;
  }

  private writeObjects(kind: XKind, objects: unknown): unknown {
    const renames = this.grammar.renames[kind];
    if (!renames) return objects;
    return Array.isArray(objects)
      ? objects.map((object: Record<string, unknown>) => renamed(object, renames))
      : renamed(objects as Record<string, unknown>, renames);
  }

  /** A partial error names a post, and the parameter that expanded it, as the dialect does. */
  private writeProblem(problem: Record<string, unknown>): Record<string, unknown> {
    const out = { ...problem };
    if (out.resource_type === 'tweet') out.resource_type = this.grammar.postResourceType;
    if (typeof out.parameter === 'string') out.parameter = this.parameterOut.get(out.parameter) ?? out.parameter;
    if (typeof out.type === 'string')
      out.type = out.type.replace(/^https:\/\/api\.(twitter|x)\.com\/2\/problems\//, this.grammar.problemBase);
    return out;
  }
}

function renamed(object: Record<string, unknown>, renames: ObjectRenames): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const inner = renames.inner?.[key];
    let written = value;
    if (inner && value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [innerKey, innerValue] of Object.entries(value)) {
        const values = inner.values?.[innerKey];
        copy[inner.keys?.[innerKey] ?? innerKey] =
          typeof innerValue === 'string' ? (values?.[innerValue] ?? innerValue) : innerValue;
      }
      written = copy;
    }
    out[renames.keys?.[key] ?? key] = written;
  }
  return out;
}

const SPOKEN: Readonly<Record<DialectName, SandboxDialect>> = {
  posts: new SandboxDialect('posts'),
  tweets: new SandboxDialect('tweets'),
};

export function sandboxDialect(name: DialectName = DEFAULT_DIALECT): SandboxDialect {
  return SPOKEN[name];
}
