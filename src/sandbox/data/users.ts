/** The demo users: realistic ids and handles, and every field `user.fields` can ask for in either dialect. */
import type { StoredUser } from '../types.js';
import { snowflakeAt } from './ids.js';
import type { Random } from './prng.js';
import { TextBuilder, nonEmptyEntities, tcoUrl } from './text.js';

/** How many demo users there are unless a sandbox asks for more. */
export const USER_COUNT = 24;

const FIRST = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Alan',
  'Barbara',
  'Dennis',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
  'Hedy',
  'Guido',
  'Karen',
  'Yukihiro',
  'Sophie',
  'Bjarne',
  'Anita',
  'Brendan',
  'Jean',
  'Rasmus',
  'Katherine',
  'Niklaus',
  'Mary',
  'Vint',
  'Adele',
  'Edsger',
  'Joan',
  'Donald',
  'Evelyn',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Turing',
  'Liskov',
  'Ritchie',
  'Allen',
  'Thompson',
  'Perlman',
  'Berners',
  'Lamarr',
  'Rossum',
  'Jones',
  'Matsumoto',
  'Wilson',
  'Stroustrup',
  'Borg',
  'Eich',
  'Sammet',
  'Lerdorf',
  'Johnson',
  'Wirth',
  'Keller',
  'Cerf',
  'Goldberg',
  'Dijkstra',
  'Clarke',
  'Knuth',
  'Berezin',
];
const ROLES = ['Engineer', 'Designer', 'PM', 'Founder', 'Researcher', 'DevRel', 'SRE', 'Data nerd'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises'];
const TAGS = ['DevTools', 'OpenSource', 'GraphQL', 'TypeScript', 'Rust', 'APIs', 'Design', 'MachineLearning'];
const CASHTAGS = ['TSLA', 'AAPL', 'NVDA', 'MSFT', 'AMZN', 'GOOG'];
const LOCATIONS = ['San Francisco, CA', 'Berlin', 'London, UK', 'Tokyo', 'Lagos', 'São Paulo', 'Toronto', 'Paris'];
const COUNTRIES = ['DE', 'FR', 'IN', 'TR', 'RU', 'BR', 'GB', 'JP'];

/** The bare identity of a user, decided before the tweets that the full user points at. */
export interface UserSkeleton {
  id: string;
  username: string;
  name: string;
}

export function generateUserSkeletons(random: Random, count = USER_COUNT): UserSkeleton[] {
  const users: UserSkeleton[] = [];
  const ids = new Set<string>();
  const handles = new Set<string>();
  // The main demo user keeps a recognisable handle whatever the seed.
  users.push({ id: snowflakeAt(Date.UTC(2020, 4, 12), random), username: 'sandbox_demo', name: 'Sandbox Demo' });
  ids.add(users[0]!.id);
  handles.add('sandbox_demo');
  while (users.length < count) {
    // Accounts from before 2016 have short sequential ids, newer ones have 19-digit snowflakes.
    const id =
      users.length % 3 === 0
        ? snowflakeAt(Date.UTC(random.int(2017, 2023), random.int(0, 11), random.int(1, 28)), random)
        : String(random.int(10 ** random.int(6, 9), 4_294_967_295));
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const username = `${first}${last}`.slice(0, 12) + (random.chance(0.5) ? String(random.int(1, 99)) : '');
    if (ids.has(id) || handles.has(username.toLowerCase())) continue;
    ids.add(id);
    handles.add(username.toLowerCase());
    users.push({ id, username, name: `${first} ${last}` });
  }
  return users;
}

/** The tweets each user points at through `pinned_tweet_id` and `most_recent_tweet_id`. */
export interface UserTweetRefs {
  pinnedTweetId: string;
  mostRecentTweetId: string;
}

export function completeUser(
  skeleton: UserSkeleton,
  index: number,
  everyone: readonly UserSkeleton[],
  refs: UserTweetRefs,
  random: Random,
): StoredUser {
  const other = everyone[(index + 1 + random.int(0, everyone.length - 2)) % everyone.length]!;
  const company = random.pick(COMPANIES);
  const description = new TextBuilder(random)
    .plain(`${random.pick(ROLES)} at `)
    .mention(other)
    .plain(' 🚀 Talking ')
    .hashtag(random.pick(TAGS))
    .plain(' and ')
    .cashtag(random.pick(CASHTAGS))
    .plain('. More: ')
    .url({
      expanded_url: `https://blog.example.com/${skeleton.username.toLowerCase()}`,
      title: `${skeleton.name}'s blog`,
      description: `Notes by ${skeleton.name}`,
    })
    .build();
  const url = tcoUrl(random);
  const site = `https://${skeleton.username.toLowerCase()}.example.dev`;
  const verifiedType = random.pick(['blue', 'business', 'government', 'none'] as const);
  const createdAt = new Date(
    Date.UTC(
      random.int(2008, 2023),
      random.int(0, 11),
      random.int(1, 28),
      random.int(0, 23),
      random.int(0, 59),
      random.int(0, 59),
    ),
  );
  const followers = random.int(10, 250_000);
  return {
    id: skeleton.id,
    name: skeleton.name,
    username: skeleton.username,
    affiliation: {
      badge_url: `https://pbs.twimg.com/semantic_core_img/${snowflakeAt(Date.UTC(2023, 5, 1), random)}/${random.string(8)}?format=png&name=orig`,
      description: company,
      url: `https://x.com/${company.replace(/\W/g, '')}`,
      user_id: [other.id],
    },
    confirmed_email: `${skeleton.username.toLowerCase()}@example.com`,
    connection_status: random.pick([['following'], ['followed_by'], ['following', 'followed_by']] as const).slice(),
    created_at: createdAt.toISOString(),
    description: description.text,
    entities: {
      url: {
        urls: [{ start: 0, end: url.length, url, expanded_url: site, display_url: site.replace('https://', '') }],
      },
      description: nonEmptyEntities(description.entities),
    },
    is_identity_verified: random.chance(0.4),
    location: random.pick(LOCATIONS),
    most_recent_tweet_id: refs.mostRecentTweetId,
    parody: index % 11 === 5,
    pinned_tweet_id: refs.pinnedTweetId,
    profile_banner_url: `https://pbs.twimg.com/profile_banners/${skeleton.id}/${random.int(1_500_000_000, 1_700_000_000)}`,
    profile_image_url: `https://pbs.twimg.com/profile_images/${snowflakeAt(Date.UTC(2022, 0, 1), random)}/${random.string(8)}_normal.jpg`,
    protected: index % 7 === 3,
    public_metrics: {
      followers_count: followers,
      following_count: random.int(5, 5_000),
      tweet_count: random.int(10, 90_000),
      listed_count: random.int(0, 2_000),
      like_count: random.int(0, 150_000),
    },
    receives_your_dm: index % 5 !== 4,
    // One fact, spelled by 2.167 at the top level and by both specs inside `subscription`.
    subscribes_to_you: index % 4 === 1,
    subscription: { subscribes_to_you: index % 4 === 1 },
    subscription_type: verifiedType === 'blue' ? random.pick(['Basic', 'Premium', 'PremiumPlus'] as const) : 'None',
    url,
    verified: verifiedType !== 'none',
    verified_followers_count: Math.floor(followers / random.int(20, 200)),
    verified_type: verifiedType,
    withheld: {
      copyright: false,
      country_codes: random.sample(COUNTRIES, random.int(1, 2)).sort(),
      scope: 'user',
    } as StoredUser['withheld'],
  };
}
