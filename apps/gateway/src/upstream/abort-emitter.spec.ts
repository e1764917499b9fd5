import { AbortEmitter, offAbort, onAbort, toAbortSignal } from './abort-emitter';

describe('AbortEmitter', () => {
  it('aborts once, with the first reason, and emits abort once', () => {
    const emitter = new AbortEmitter();
    const heard = jest.fn();
    emitter.on('abort', heard);
    const first = new Error('first');
    emitter.abort(first);
    emitter.abort(new Error('second'));
    expect(emitter.aborted).toBe(true);
    expect(emitter.reason).toBe(first);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  it('gives the same abort as an AbortSignal, made before or after it aborts', () => {
    const early = new AbortEmitter();
    const signal = early.toAbortSignal();
    expect(early.toAbortSignal()).toBe(signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error('gone');
    early.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const late = new AbortEmitter();
    late.abort(reason);
    expect(late.toAbortSignal().aborted).toBe(true);
    expect(late.toAbortSignal().reason).toBe(reason);
  });

  it.each([
    ['an AbortEmitter', () => new AbortEmitter()],
    ['an AbortSignal', () => new AbortController()],
  ])('listens to %s once, and stops listening', (_kind, make) => {
    const heard = jest.fn();
    const source = make();
    const signal = source instanceof AbortEmitter ? source : source.signal;
    onAbort(signal, heard);
    source.abort(new Error('gone'));
    source.abort(new Error('again'));
    expect(heard).toHaveBeenCalledTimes(1);

    const unheard = jest.fn();
    const other = make();
    const otherSignal = other instanceof AbortEmitter ? other : other.signal;
    onAbort(otherSignal, unheard);
    offAbort(otherSignal, unheard);
    other.abort(new Error('gone'));
    expect(unheard).not.toHaveBeenCalled();
    expect(toAbortSignal(otherSignal).aborted).toBe(true);
  });
});
