/** `DmEventType`: what happened in a conversation, X's `event_type` as a GraphQL enum. */
import { DM_EVENT_TYPES } from '../x/wire.js';
import { xEnum } from './enums.js';

export const DmEventTypeEnum = xEnum('DmEventType', DM_EVENT_TYPES, 'What happened in a conversation.');
