/**
 * X keeps a separate rate-limit budget per family of endpoints, and its headers speak of the family of the call they
 * answer: the four DM lookups share one; the DM writes, the DM delete, `GET /2/users/me`, the users lookup and the
 * posts lookup each have their own. A spent DM budget stops DM reads and nothing else. X publishes no rate limit for
 * the DM media download (`GET /2/dm_conversations/media/...`), so it is kept as a family of its own: a spent download
 * budget stops downloads only, and a spent lookup budget leaves downloads alone.
 * @see https://docs.x.com/x-api/fundamentals/rate-limits
 */

export type EndpointFamily = 'dm-read' | 'dm-write' | 'dm-delete' | 'dm-media' | 'users-me' | 'users' | 'posts';

/** The budget a call of `method` to `path` spends. */
export function familyOf(method: string, path: string): EndpointFamily {
  if (path.startsWith('/2/users')) return path === '/2/users/me' ? 'users-me' : 'users';
  if (path.startsWith('/2/tweets')) return 'posts';
  if (path.startsWith('/2/dm_conversations/media/')) return 'dm-media';
  if (method === 'DELETE') return 'dm-delete';
  if (method === 'POST') return 'dm-write';
  return 'dm-read';
}
