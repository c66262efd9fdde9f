import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/x/endpoints.js';

describe('endpointOf', () => {
  it('folds the ids of X paths, conversation ids included, and keeps the endpoint', () => {
    expect(endpointOf('/2/dm_events')).toBe('/2/dm_events');
    expect(endpointOf('/2/dm_events/1582838273423667201')).toBe('/2/dm_events/:id');
    expect(endpointOf('/2/dm_conversations/12-34/dm_events')).toBe('/2/dm_conversations/:id/dm_events');
    expect(endpointOf('/2/dm_conversations/with/2244994945/messages')).toBe('/2/dm_conversations/with/:id/messages');
    expect(endpointOf('/2/users/me')).toBe('/2/users/me');
  });

  it('folds every id of a DM media download, the resource id with its extension too', () => {
    expect(endpointOf('/2/dm_conversations/media/1580000000000000001/1580000000000000002/oP5p359h.jpg')).toBe(
      '/2/dm_conversations/media/:id/:id/:id',
    );
  });
});
