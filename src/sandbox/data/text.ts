/**
 * Builds texts piece by piece and records where each entity lands.
 *
 * X counts entity offsets in Unicode code points (not UTF-16 units), start inclusive, end exclusive. Demo texts
 * carry emoji on purpose, so a client that slices with UTF-16 indices gets visibly wrong results.
 */
import type { CashtagEntity, HashtagEntity, MentionEntity, UrlEntity } from '../../x/wire.js';
import type { Random } from './prng.js';

export interface TextEntities {
  hashtags: HashtagEntity[];
  cashtags: CashtagEntity[];
  mentions: MentionEntity[];
  urls: UrlEntity[];
}

/** What a t.co link unwinds to. */
export interface LinkTarget {
  expanded_url: string;
  title: string;
  description: string;
}

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export class TextBuilder {
  private text = '';
  private length = 0;
  readonly entities: TextEntities = { hashtags: [], cashtags: [], mentions: [], urls: [] };

  constructor(private readonly random: Random) {}

  plain(piece: string): this {
    this.text += piece;
    this.length += codePointLength(piece);
    return this;
  }

  hashtag(tag: string): this {
    this.entities.hashtags.push({ start: this.length, end: this.length + 1 + codePointLength(tag), tag });
    return this.plain(`#${tag}`);
  }

  cashtag(tag: string): this {
    this.entities.cashtags.push({ start: this.length, end: this.length + 1 + codePointLength(tag), tag });
    return this.plain(`$${tag}`);
  }

  mention(user: { id: string; username: string }): this {
    const end = this.length + 1 + codePointLength(user.username);
    this.entities.mentions.push({ start: this.length, end, username: user.username, id: user.id });
    return this.plain(`@${user.username}`);
  }

  /** A t.co link with every field X fills for an unwound URL. */
  url(target: LinkTarget): this {
    const url = tcoUrl(this.random);
    const bare = target.expanded_url.replace(/^https?:\/\//, '');
    const display = bare.length > 26 ? `${bare.slice(0, 25)}…` : bare;
    const imageId = this.random.string(12);
    this.entities.urls.push({
      start: this.length,
      end: this.length + codePointLength(url),
      url,
      expanded_url: target.expanded_url,
      display_url: display,
      unwound_url: target.expanded_url,
      title: target.title,
      description: target.description,
      status: 200,
      images: [
        { url: `https://pbs.twimg.com/news_img/${imageId}?format=jpg&name=orig`, width: 1200, height: 630 },
        { url: `https://pbs.twimg.com/news_img/${imageId}?format=jpg&name=150x150`, width: 150, height: 150 },
      ],
    });
    return this.plain(url);
  }

  build(): { text: string; entities: TextEntities } {
    return { text: this.text, entities: this.entities };
  }
}

export function tcoUrl(random: Random): string {
  return `https://t.co/${random.string(10)}`;
}

/** The entity arrays that are not empty: X leaves empty ones out. */
export function nonEmptyEntities(entities: TextEntities): Partial<TextEntities> {
  const out: Partial<TextEntities> = {};
  if (entities.hashtags.length) out.hashtags = entities.hashtags;
  if (entities.cashtags.length) out.cashtags = entities.cashtags;
  if (entities.mentions.length) out.mentions = entities.mentions;
  if (entities.urls.length) out.urls = entities.urls;
  return out;
}
