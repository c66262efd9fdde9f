/**
 * The algebra of X's query parameters, in the gateway's own vocabulary (the one its schema declares needs in, which
 * is X's tweets dialect; `dialect.ts` translates it to what an upstream speaks).
 */

/** The X objects the gateway reads. Each GraphQL type that stands for one says which in its `extensions.xKind`. */
export type XKind = 'dm_event' | 'user' | 'tweet' | 'media' | 'poll' | 'place';

/** The kinds an answer can link to (everything but the DM events themselves). */
export type LinkKind = Exclude<XKind, 'dm_event'>;

/** The objects a call asks for: DM events (the four DM lookups), users or posts (the lookups by id, `users/me`). */
export type RootKind = 'dm_event' | 'user' | 'tweet';

/** The query parameter that lists the fields a call asks for, per kind. */
export const FIELDS_PARAM: Readonly<Record<XKind, string>> = {
  dm_event: 'dm_event.fields',
  user: 'user.fields',
  tweet: 'tweet.fields',
  media: 'media.fields',
  poll: 'poll.fields',
  place: 'place.fields',
};

/** Whether X lets a call fetch `kind` by id (`/2/users?ids=`, `/2/tweets?ids=`); the others arrive only through expansions. */
export function isLookupKind(kind: XKind): kind is 'user' | 'tweet' {
  return kind === 'user' || kind === 'tweet';
}

/** The objects a call to `path` asks for. */
export function rootKindOf(path: string): RootKind {
  if (path.startsWith('/2/users')) return 'user';
  if (path.startsWith('/2/tweets')) return 'tweet';
  return 'dm_event';
}

/** Query parameters of one X call, minus paging: `{ 'dm_event.fields': 'sender_id,text', expansions: 'sender_id' }`. */
export type XParams = Readonly<Record<string, string>>;

export function splitList(value: string | undefined): string[] {
  return value ? value.split(',') : [];
}

/** The union of several calls' parameters, list by list, each list sorted. */
export function mergeParams(all: readonly XParams[]): XParams {
  // The loads of one batch mostly share one plan's parameters, the same object: merged, they are that object.
  const distinct = all.length === 1 ? all : [...new Set(all)];
  if (distinct.length === 1) return distinct[0]!;
  const sets = new Map<string, Set<string>>();
  for (const params of distinct) {
    for (const [name, value] of Object.entries(params)) {
      let set = sets.get(name);
      if (!set) sets.set(name, (set = new Set()));
      for (const item of value.split(',')) set.add(item);
    }
  }
  const merged: Record<string, string> = {};
  for (const [name, set] of sets) merged[name] = [...set].sort().join(',');
  return merged;
}

/** Whether a call made with `params` asked for everything in `wanted`. */
export function paramsCover(params: XParams, wanted: XParams): boolean {
  for (const [name, value] of Object.entries(wanted)) {
    const have = params[name];
    if (have === undefined) return false;
    if (have === value) continue;
    const haveSet = new Set(have.split(','));
    for (const item of value.split(',')) if (!haveSet.has(item)) return false;
  }
  return true;
}
