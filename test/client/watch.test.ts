// The SDK's watch (src/client/watch.ts) against scripted server streams: a
// part resumes from its last resolved timestamp after a break, an event it
// delivered above that point during a cut-short catch-up is not delivered
// twice, a group serving only part of the range makes the SDK open the rest,
// `moved` resumes from its timestamp, and a refused request ends the
// iteration with its error.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { KvError, toServiceError } from '../../src/api/errors.js';
import { watchRange, type WatchBatch, type WatchPort } from '../../src/client/watch.js';
import type { WatchClient } from '../../src/proto-gen/ferrykv/v1/Watch.js';
import type { WatchRequest } from '../../src/proto-gen/ferrykv/v1/WatchRequest.js';

type Resp = Record<string, unknown>;
/** One scripted stream: responses, then an error (or nothing: it stays open). */
interface Script {
  readonly responses: Resp[];
  readonly error?: KvError;
}

const ev = (key: string, ts: number, value = 'v'): Resp => ({ type: 'PUT', key: Buffer.from(key), value: Buffer.from(value), commitTs: String(ts), hasPrev: false, prevValue: Buffer.alloc(0) });
const created = (servedEnd = ''): Resp => ({ created: true, groupId: 3, servedEnd: Buffer.from(servedEnd), resolvedTs: '0', events: [], moved: null });
const step = (events: Resp[], resolvedTs: number): Resp => ({ created: false, groupId: 0, servedEnd: Buffer.alloc(0), resolvedTs: String(resolvedTs), events, moved: null });

/** A port whose streams follow `scripts` in order; records the requests. */
function scripted(scripts: Script[]): { port: WatchPort; requests: WatchRequest[] } {
  const requests: WatchRequest[] = [];
  const client = {
    Watch(req: WatchRequest) {
      requests.push(req);
      const s = scripts.shift() ?? { responses: [] };
      const call = Object.assign(new EventEmitter(), { cancel: () => call.emit('error', Object.assign(new Error('cancelled'), { code: grpc.status.CANCELLED })), pause: () => {}, resume: () => {} });
      setImmediate(() => {
        for (const r of s.responses) call.emit('data', r);
        if (s.error) {
          const se = toServiceError(s.error);
          call.emit('error', Object.assign(new Error(se.details), se));
        }
      });
      return call;
    },
  } as unknown as WatchClient;
  return { port: { watchClient: () => client, endpointFor: () => 'a:1', nextEndpoint: () => 'a:1', refreshRoutes: () => Promise.resolve() }, requests };
}

async function take(it: AsyncGenerator<WatchBatch>, n: number): Promise<{ events: string[]; resolved: bigint[] }> {
  const events: string[] = [];
  const resolved: bigint[] = [];
  while (events.length < n) {
    const r = await it.next();
    if (r.done) break;
    events.push(...r.value.events.map((e) => `${e.key.toString()}@${e.commitTs}`));
    resolved.push(r.value.resolvedTs);
  }
  return { events, resolved };
}

const toBytes = (b: string | Uint8Array): Buffer => Buffer.from(b);

describe('SDK watch', () => {
  it('resumes a broken part from its last resolved timestamp and does not repeat what a cut-short catch-up delivered', async () => {
    const { port, requests } = scripted([
      { responses: [created(), step([ev('a', 11), ev('b', 12)], 0)], error: new KvError('UNAVAILABLE', 'node stopped') },
      { responses: [created(), step([ev('a', 11), ev('b', 12), ev('c', 13)], 0), step([], 20), step([ev('d', 21)], 21)] },
    ]);
    const it = watchRange(port, { prefix: 'x', fromTs: 10n }, toBytes);
    const got = await take(it, 4);
    expect(got.events).toEqual(['a@11', 'b@12', 'c@13', 'd@21']);
    expect(requests.map((r) => r.startTs)).toEqual(['10', '10']);
    expect(got.resolved.at(-1)).toBe(21n);
    await it.return(undefined);
  });

  it('opens the rest of the range where a group stops serving it, and follows moved from its timestamp', async () => {
    const { port, requests } = scripted([
      { responses: [created('m'), step([ev('b', 5)], 6), { ...step([], 6), moved: { groupId: 2, atTs: '6' } }] },
      { responses: [created(), step([ev('p', 7)], 8)] },
      { responses: [created(), step([ev('c', 9)], 10)] },
    ]);
    const it = watchRange(port, { start: 'a', end: 'z' }, toBytes);
    const got = await take(it, 3);
    expect(got.events.sort()).toEqual(['b@5', 'c@9', 'p@7']);
    expect(requests.map((r) => [Buffer.from(r.start as Uint8Array).toString(), Buffer.from(r.end as Uint8Array).toString(), r.startTs])).toEqual([
      ['a', 'z', '0'],
      ['m', 'z', '0'], // the rest, opened after the first stream said it serves up to "m"
      ['a', 'm', '6'], // the moved part, resumed from the moved timestamp
    ]);
    await it.return(undefined);
  });

  it('ends the iteration with a refused request’s error', async () => {
    const { port } = scripted([{ responses: [], error: new KvError('INVALID_ARGUMENT', 'start_ts: below the GC safe point', { field: 'start_ts' }) }]);
    const it = watchRange(port, { prefix: 'x', fromTs: 1n }, toBytes);
    await expect(it.next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: { field: 'start_ts' } });
  });
});
