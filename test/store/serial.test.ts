/** `SerialQueues`: changes of one key in order, one at a time; a failed change does not hold up the next. */
import { describe, expect, it } from 'vitest';
import { SerialQueues } from '../../src/store/serial.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('SerialQueues', () => {
  it('runs the changes of one key one at a time, in order, and of other keys alongside', async () => {
    const queues = new SerialQueues();
    const log: string[] = [];
    let running = 0;
    const change = (name: string) => async () => {
      running += 1;
      expect(running).toBe(1);
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      running -= 1;
      return name;
    };
    const other = queues.run('b', async () => (await tick(), 'b'));
    expect(
      await Promise.all([
        queues.run('a', change('1')),
        queues.run('a', change('2')),
        queues.run('a', change('3')),
        other,
      ]),
    ).toEqual(['1', '2', '3', 'b']);
    expect(log).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
  });

  it("gives a failed change's error to its caller alone, and runs the next", async () => {
    const queues = new SerialQueues();
    const failed = queues.run('a', () => {
      throw new Error('broken');
    });
    const next = queues.run('a', () => 'next');
    await expect(failed).rejects.toThrow('broken');
    expect(await next).toBe('next');
  });
});
