/** X's endpoints named without their ids, for logs, metrics and traces. */
import { BoundedMemo } from '../memo.js';

const endpoints = new BoundedMemo<string, string>(1024);

/**
 * X's path with its ids folded, so that labels stay few and name no one: `/2/dm_conversations/:id/dm_events`. Every
 * segment after `/2/dm_conversations/media/` is an id (the DM's, the media's, and the resource's, `oP5p359h.jpg`).
 */
export function endpointOf(path: string): string {
  return endpoints.get(path, () => {
    const segments = path.split('/');
    const idsFrom = path.startsWith('/2/dm_conversations/media/') ? 4 : Infinity;
    return segments
      .map((segment, index) => (index >= idsFrom || (index > 1 && /^[0-9][0-9-]*$/.test(segment)) ? ':id' : segment))
      .join('/');
  });
}
