/**
 * The store's behaviour suite (`behaviour.ts`) run against the in-process store. Other implementations run the same
 * suite from their own files (`redis.test.ts`), since each needs its own setup.
 */
import { describe } from 'vitest';
import { InProcessStore } from '../../src/store/in-process.js';
import { type Implementation, storeBehaviour } from './behaviour.js';

export const IMPLEMENTATIONS: Implementation[] = [
  { name: 'in-process', create: (options) => new InProcessStore(options) },
];

describe.each(IMPLEMENTATIONS)('the $name store', (implementation) => storeBehaviour(implementation));
