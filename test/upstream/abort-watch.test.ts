import { describe, expect, it, vi } from 'vitest';
import { CallerSignal, unwatchAbort, watchAbort } from '../../src/upstream/abort-watch.js';

describe('watchAbort', () => {
  it('tells every watcher still watching when the signal aborts, through one listener on the signal', () => {
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, 'addEventListener');
    const [first, second, gone] = [vi.fn(), vi.fn(), vi.fn()];

    watchAbort(controller.signal, first);
    watchAbort(controller.signal, gone);
    watchAbort(controller.signal, second);
    unwatchAbort(controller.signal, gone);
    controller.abort();

    expect(added).toHaveBeenCalledTimes(1);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(gone).not.toHaveBeenCalled();
  });

  it('keeps each signal to its own watchers', () => {
    const [one, other] = [new AbortController(), new AbortController()];
    const [onOne, onOther] = [vi.fn(), vi.fn()];
    watchAbort(one.signal, onOne);
    watchAbort(other.signal, onOther);

    one.abort();

    expect(onOne).toHaveBeenCalledTimes(1);
    expect(onOther).not.toHaveBeenCalled();
  });

  it('lets a watcher stop watching from within the abort, as a settled call does', () => {
    const controller = new AbortController();
    const later = vi.fn();
    const settling = vi.fn(() => unwatchAbort(controller.signal, settling));
    watchAbort(controller.signal, settling);
    watchAbort(controller.signal, later);

    controller.abort();

    expect(settling).toHaveBeenCalledTimes(1);
    expect(later).toHaveBeenCalledTimes(1);
  });
});

describe('CallerSignal', () => {
  it("follows the request's signal, with its reason, through one listener however often it is read", () => {
    const request = new AbortController();
    const added = vi.spyOn(request.signal, 'addEventListener');
    const caller = new CallerSignal(request.signal);

    const signal = caller.signal;
    expect(caller.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    request.abort(new Error('client gone'));

    expect(added).toHaveBeenCalledTimes(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('client gone');
  });

  it("reads nothing of the request's signal until a call needs it", () => {
    const request = new AbortController();
    const added = vi.spyOn(request.signal, 'addEventListener');

    new CallerSignal(request.signal);

    expect(added).not.toHaveBeenCalled();
  });

  it('is aborted already, with the reason, when the request was', () => {
    const caller = new CallerSignal(AbortSignal.abort(new Error('gone before')));

    expect(caller.signal.aborted).toBe(true);
    expect((caller.signal.reason as Error).message).toBe('gone before');
  });
});
