import { describe, expect, it } from 'vitest';
import { PushError } from '@hoist/core';
import { describeFailure } from '../src/describe-failure.js';

const live = new AbortController().signal;

describe('describeFailure', () => {
  it('maps usage errors to exit 2 and push failures to exit 1', () => {
    expect(describeFailure(new PushError('INVALID_REFERENCE', 'bad ref'), false, live)).toEqual({ message: 'bad ref', code: 'INVALID_REFERENCE', exitCode: 2 });
    expect(describeFailure(new PushError('DENIED', 'no'), false, live)).toEqual({ message: 'no', code: 'DENIED', exitCode: 1 });
  });

  it('adds causes only with --verbose', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = new PushError('NETWORK', 'cannot reach https://r', { cause });
    expect(describeFailure(error, false, live).message).toBe('cannot reach https://r');
    expect(describeFailure(error, true, live).message).toBe('cannot reach https://r (caused by: socket hang up [ECONNRESET])');
  });

  it('reports an interruption with the signal exit status', () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    expect(describeFailure(new Error('aborted'), false, controller.signal)).toMatchObject({ exitCode: 143, code: 'ABORTED' });
  });

  it('keeps an unexpected error to one line', () => {
    expect(describeFailure(new TypeError('x is not a function'), false, live)).toEqual({ message: 'unexpected failure: x is not a function', code: 'INTERNAL', exitCode: 1 });
  });
});
