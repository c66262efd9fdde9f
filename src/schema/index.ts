/** The gateway's schema: every type file, gathered. */
import { builder } from './builder.js';
import { withEntities } from './federation.js';
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
import './dm-signals.js';

/** The Federation version the subgraph speaks (its `@link`). */
const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.6';

/** A Federation v2 subgraph (`_service`, `_entities`), its fields that read data at hand made plain reads. */
export const schema = withPlainReads(withEntities(builder.toSubGraphSchema({ linkUrl: FEDERATION_SPEC })));
