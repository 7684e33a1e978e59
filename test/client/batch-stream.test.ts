// The SDK's batched stream (src/client/batch-stream.ts) against a fake node:
// a bounded send window (the rest waits in the client, not refused by the
// node), a busy-but-answering node is waited for, a silent one is given up on,
// and an operation that never left the client fails retryably, not ambiguously.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchStream } from '../../src/client/batch-stream.js';
import { KvError } from '../../src/api/errors.js';
import type { RawKVClient } from '../../src/proto-gen/ferrykv/v1/RawKV.js';

class FakeStream extends EventEmitter {
  readonly written: { ops: { id: number }[] }[] = [];
  write(m: { ops: { id: number }[] }): boolean {
    this.written.push(m);
    return true;
  }
  cancel(): void {}
  /** Answers the given op ids. */
  answer(ids: number[]): void {
    this.emit('data', { results: ids.map((id) => ({ id, response: 'write', write: { commitTs: '1' } })) });
  }
  sentIds(): number[] {
    return this.written.flatMap((w) => w.ops.map((o) => o.id));
  }
}

function fake(): { stream: FakeStream; bs: BatchStream } {
  const stream = new FakeStream();
  const client = { batch: () => stream } as unknown as RawKVClient;
  return { stream, bs: new BatchStream(client) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchStream', () => {
  it('keeps at most 1,024 operations with the node; the rest are sent as answers come back', async () => {
    const { stream, bs } = fake();
    const calls = Array.from({ length: 1500 }, () => bs.call('put', { key: Buffer.from('k'), value: Buffer.from('v') }, 10_000).catch(() => undefined));
    await new Promise((r) => setImmediate(r));
    expect(stream.sentIds().length).toBe(1024);
    stream.answer(stream.sentIds().slice(0, 600));
    await new Promise((r) => setImmediate(r));
    expect(stream.sentIds().length).toBe(1500);
    stream.answer(stream.sentIds().slice(600));
    await Promise.all(calls);
    bs.close();
  });

  it('bounds the bytes with the node too (one large operation may go alone)', async () => {
    const { stream, bs } = fake();
    const big = Buffer.alloc(3 << 20);
    const calls = [0, 1, 2].map(() => bs.call('put', { key: Buffer.from('k'), value: big }, 10_000).catch(() => undefined));
    await new Promise((r) => setImmediate(r));
    expect(stream.sentIds().length).toBe(1); // 3 MiB + 3 MiB would pass the 4 MiB window
    stream.answer(stream.sentIds());
    await new Promise((r) => setImmediate(r));
    expect(stream.sentIds().length).toBe(2);
    bs.close();
    await Promise.all(calls);
  });

  it('waits for a node that keeps answering others (busy), gives up on one that answers nothing (gone)', async () => {
    vi.useFakeTimers();
    const { stream, bs } = fake();
    const slow = bs.call('put', { key: Buffer.from('a') }, 100, 1000);
    const other = bs.call('put', { key: Buffer.from('b') }, 100, 1000);
    await vi.advanceTimersByTimeAsync(0);
    const [idSlow, idOther] = stream.sentIds();
    // The node answers `other` at 60 ms: it is alive, so `slow` keeps waiting past its 100 ms attempt.
    await vi.advanceTimersByTimeAsync(60);
    stream.answer([idOther!]);
    await other;
    await vi.advanceTimersByTimeAsync(100);
    stream.answer([idSlow!]);
    await expect(slow).resolves.toEqual({ commitTs: '1' });
    // Nothing answers at all: the attempt ends after 100 ms with DEADLINE_EXCEEDED (ambiguous: it was sent).
    const lost = bs.call('put', { key: Buffer.from('c') }, 100, 1000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(250);
    const e = (await lost) as KvError;
    expect(e.code).toBe('DEADLINE_EXCEEDED');
    bs.close();
  });

  it('an operation that never left the client (window full) fails OVERLOADED, not DEADLINE_EXCEEDED', async () => {
    vi.useFakeTimers();
    const { bs } = fake();
    const first = Array.from({ length: 1024 }, () => bs.call('put', { key: Buffer.from('k') }, 50, 50).catch((e: unknown) => e));
    const waiting = bs.call('put', { key: Buffer.from('w') }, 50, 50).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(((await waiting) as KvError).code).toBe('OVERLOADED');
    expect(((await first[0]) as KvError).code).toBe('DEADLINE_EXCEEDED');
    bs.close();
  });
});
