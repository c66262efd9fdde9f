/** The gateway's schema: every type file, gathered. */
import { builder } from './builder.js';
import { withPlainReads } from './plain-reads.js';
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

export const schema = withPlainReads(builder.toSchema({ sortSchema: true }));
