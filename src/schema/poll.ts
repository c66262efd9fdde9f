/**
 * `Poll`: a poll attached to a post (`poll.fields`).
 */
import { reads, xKind } from '../planner/needs.js';
import type { Poll } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX, xField } from './x-fields.js';
import { xEnum } from './enums.js';
import { PollRef } from './refs.js';

type PollOption = Poll['options'][number];

export const PollVotingStatusEnum = xEnum('PollVotingStatus', ['open', 'closed'], 'Whether a poll still takes votes.');

const PollOptionRef = builder.objectRef<PollOption>('PollOption').implement({
  description: 'One choice of a poll.',
  fields: (t) => ({
    position: t.exposeInt('position', { nullable: false, description: 'Its place in the poll, from 1.' }),
    label: t.exposeString('label', { nullable: false }),
    votes: t.exposeInt('votes', { nullable: false, description: 'How many users voted for it.' }),
  }),
});

PollRef.implement({
  description: 'A poll attached to a post.',
  ...xKind('poll'),
  fields: (t) => ({
    restId: t.string({ nullable: false, description: "X's id of the poll.", resolve: fromX('id') }),
    options: t.field({
      type: [PollOptionRef],
      nullable: false,
      description: 'The choices, two to four.',
      ...reads('options'),
      resolve: (p) => p.x.options ?? [],
    }),
    durationMinutes: t.int({
      description: 'How long the poll runs, in minutes.',
      ...xField('duration_minutes'),
    }),
    endDatetime: t.field({
      type: 'DateTime',
      description: 'When the poll closes (or closed).',
      ...xField('end_datetime'),
    }),
    votingStatus: t.field({ type: PollVotingStatusEnum, ...xField('voting_status') }),
  }),
});
