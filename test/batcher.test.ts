/** The pty output path's pure parts: the batcher that coalesces chunks, and ack-based flow control. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { Batcher, FlowControl } from '../main/engine/process/batcher.js';

describe('Batcher', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test('chunks pushed within one interval arrive as one delivery, in order, when the interval ends', () => {
    const got: string[] = [];
    const b = new Batcher((d) => got.push(d), 16);
    b.push('a');
    b.push('b');
    mock.timers.tick(15);
    assert.deepEqual(got, [], 'nothing before the interval ends');
    b.push('c');
    mock.timers.tick(1);
    assert.deepEqual(got, ['abc']);
    mock.timers.tick(100);
    assert.deepEqual(got, ['abc'], 'no empty delivery once drained');
  });

  test('the interval starts with the first chunk after a delivery, not with each chunk', () => {
    const got: string[] = [];
    const b = new Batcher((d) => got.push(d), 16);
    b.push('1');
    mock.timers.tick(16);
    b.push('2');
    mock.timers.tick(10);
    b.push('3');
    mock.timers.tick(6);
    assert.deepEqual(got, ['1', '23']);
  });

  test('reaching maxBytes delivers at once, and the pending timer does not deliver again', () => {
    const got: string[] = [];
    const b = new Batcher((d) => got.push(d), 16, 10);
    b.push('12345');
    b.push('67890');
    assert.deepEqual(got, ['1234567890']);
    b.push('x');
    mock.timers.tick(16);
    assert.deepEqual(got, ['1234567890', 'x']);
  });

  test('flush and dispose deliver what waits right away, once', () => {
    const got: string[] = [];
    const b = new Batcher((d) => got.push(d), 16);
    b.push('a');
    b.flush();
    assert.deepEqual(got, ['a']);
    b.flush();
    b.push('b');
    b.dispose();
    mock.timers.tick(50);
    assert.deepEqual(got, ['a', 'b']);
  });
});

describe('FlowControl', () => {
  function flow(high: number, low: number) {
    const calls: string[] = [];
    const f = new FlowControl(
      () => calls.push('pause'),
      () => calls.push('resume'),
      high,
      low,
    );
    return { f, calls };
  }

  test('pauses once past the high mark, and resumes only under the low mark', () => {
    const { f, calls } = flow(100, 30);
    f.sent(100);
    assert.deepEqual(calls, [], 'at the high mark: still flowing');
    f.sent(1);
    f.sent(50);
    assert.deepEqual(calls, ['pause'], 'paused once, however much more is sent');
    assert.equal(f.backlog, 151);
    f.ack(121);
    assert.deepEqual(calls, ['pause'], 'a backlog of exactly the low mark stays paused');
    f.ack(1);
    assert.deepEqual(calls, ['pause', 'resume']);
    assert.equal(f.backlog, 29);
    f.ack(5);
    assert.deepEqual(calls, ['pause', 'resume'], 'no resume while not paused');
  });

  test('an ack for more than was sent leaves no negative backlog', () => {
    const { f, calls } = flow(100, 30);
    f.ack(500);
    assert.equal(f.backlog, 0);
    f.sent(101);
    assert.deepEqual(calls, ['pause'], 'an earlier over-ack gives no credit');
  });
});
