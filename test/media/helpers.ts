/** DM media of the demo data, and the people who may and may not see it. */
import type { Gateway } from '../../src/gateway.js';
import type { DemoUser, Sandbox } from '../../src/sandbox/index.js';
import type { DmEvent, Media } from '../../src/x/wire.js';

export interface DemoDmMedia {
  event: DmEvent;
  media: Media;
  /** The ids in its ton.twitter.com URL. */
  ids: { dm_id: string; media_id: string; resource_id: string };
  /** A participant of its conversation (the main user), another who sees it, and someone who does not. */
  owner: DemoUser;
  other: DemoUser;
  outsider: DemoUser;
}

/** The `index`-th DM the main user sees with media of `type` attached. */
export function dmMedia(sandbox: Sandbox, type: 'photo' | 'video' | 'animated_gif', index = 0): DemoDmMedia {
  const owner = sandbox.users[0]!;
  const found = sandbox.visibleEvents(owner.id).filter((event) => {
    const key = event.attachments?.media_keys?.[0];
    const media = key && sandbox.data.media.find((m) => m.media_key === key);
    return media && media.type === type;
  })[index];
  if (!found) throw new Error(`no DM with a ${type} at ${index}`);
  const media = sandbox.data.media.find((m) => m.media_key === found.attachments!.media_keys![0])!;
  const [dm_id, media_id, resource_id] = media.url!.split('/').slice(-3) as [string, string, string];
  const sees = (user: DemoUser) => sandbox.visibleEvents(user.id).includes(found);
  const other = sandbox.users.find((u) => u.id !== owner.id && sees(u))!;
  const outsider = sandbox.users.find((u) => !sees(u))!;
  return { event: found, media, ids: { dm_id, media_id, resource_id }, owner, other, outsider };
}

/** The `downloadUrl` the gateway gives `user` for the first media of `eventId`. */
export async function downloadUrlFor(gateway: Gateway, user: DemoUser, eventId: string): Promise<string> {
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query: `{ dmEvent(eventId: "${eventId}") { attachments { media { url downloadUrl } } } }` }),
  });
  const body = (await response.json()) as {
    data?: { dmEvent?: { attachments?: { media: { downloadUrl: string | null }[] } } };
  };
  const url = body.data?.dmEvent?.attachments?.media[0]?.downloadUrl;
  if (!url) throw new Error(`no downloadUrl: ${JSON.stringify(body)}`);
  return url;
}

/** The sandbox's calls to X's download endpoint so far. */
export const downloads = (sandbox: Sandbox) =>
  sandbox.requests.filter((r) => r.path.startsWith('/2/dm_conversations/media/'));

/**
 * A first read of the user's DMs, as any client's list makes it: the memory ties the token to the user's id (in Redis,
 * for every replica that shares it), so media minted afterwards are known to be theirs.
 */
export async function firstRead(gateway: Gateway, user: DemoUser): Promise<void> {
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ query: '{ dmEvents(first: 5) { nodes { restId } } }' }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`the first read failed: ${JSON.stringify(body.errors)}`);
}
