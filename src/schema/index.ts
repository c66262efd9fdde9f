/** The gateway's schema: every type file, gathered. */
import { builder } from './builder.js';
import { withSyncNodeIds } from './node-id.js';
import { withXFieldGetters } from './x-fields.js';
import { withXValueGetters } from './x-values.js';
import './scalars.js';
import './entities.js';
import './dm-event.js';
import './user.js';
import './tweet.js';
import './media.js';
import './poll.js';
import './place.js';
import './dm-event-connection.js';
import './dm-conversation.js';
import './node.js';
import './mutations.js';
import './subscription.js';
import './dm-signals.js';

// After the X fields' getters, which know their fields by their `fromX` resolvers.
export const schema = withXValueGetters(withXFieldGetters(withSyncNodeIds(builder.toSchema({ sortSchema: true }))));
