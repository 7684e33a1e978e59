// How a register worker reaches the cluster: through the SDK (the native API)
// or through an etcd client library against the nodes' etcd endpoints
// (docs/etcd-compat.md). Both give reads, writes and compare-and-set of one
// key, and say which failures leave a write's outcome unknown.

import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { FerryClient, KvError } from '../src/client/index.js';

export interface RegisterClient {
  read(key: string): Promise<string | null>;
  /** The write's commit timestamp (for the watch workload), when the API tells it. */
  write(key: string, value: string): Promise<bigint | undefined>;
  /** Sets `value` if the key holds `expected` (null: absent); otherwise tells what it holds. */
  cas(key: string, expected: string | null, value: string): Promise<{ succeeded: boolean; current: string | null; commitTs?: bigint }>;
  /** After this error, a write may or may not have happened. */
  indeterminate(e: unknown): boolean;
  close(): void;
}

export const OP_TIMEOUT_MS = 1500;

/** Errors after which a native write may or may not have happened. */
export function indeterminate(e: unknown): boolean {
  if (!(e instanceof KvError)) return true;
  return e.code === 'UNKNOWN_RESULT' || e.code === 'DEADLINE_EXCEEDED' || e.code === 'UNAVAILABLE' || e.code === 'INTERNAL';
}

export function nativeRegister(db: FerryClient): RegisterClient {
  return {
    async read(key) {
      const v = await db.get(key, { timeoutMs: OP_TIMEOUT_MS });
      return v ? Buffer.from(v.value).toString() : null;
    },
    write: (key, value) => db.put(key, value, { timeoutMs: OP_TIMEOUT_MS }),
    async cas(key, expected, value) {
      const res = await db.compareAndSwap(key, expected, value, { timeoutMs: OP_TIMEOUT_MS });
      return { succeeded: res.succeeded, current: res.current ? Buffer.from(res.current).toString() : null, commitTs: res.commitTs };
    },
    indeterminate,
    close: () => db.close(),
  };
}

/**
 * The etcd3 npm client: a read is a (linearizable) Range, a write a Put, a
 * compare-and-set a Txn comparing the value (or, for absent, the create
 * revision 0). Every failed write counts as indeterminate: an etcd client
 * cannot tell a refused request from one whose answer was lost. The etcd3
 * client's retries are off (a retried write would apply twice); the next
 * operation simply goes to the next endpoint.
 */
export function etcdRegister(endpoints: readonly string[]): RegisterClient {
  const e = new Etcd3({
    hosts: endpoints.map((x) => `http://${x}`),
    dialTimeout: OP_TIMEOUT_MS,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + OP_TIMEOUT_MS }),
    // The client's own retries would run a write twice when its first answer was lost; the history records one attempt per operation.
    faultHandling: { global: noop, host: () => noop },
  });
  return {
    read: (key) => e.get(key).string(),
    async write(key, value) {
      await e.put(key).value(value);
      return undefined;
    },
    async cas(key, expected, value) {
      const cmp = expected === null ? e.if(key, 'Create', '==', 0) : e.if(key, 'Value', '==', expected);
      const res = await cmp.then(e.put(key).value(value)).else(e.get(key)).commit();
      if (res.succeeded) return { succeeded: true, current: value };
      const kv = res.responses[0]?.response_range?.kvs[0];
      return { succeeded: false, current: kv ? Buffer.from(kv.value).toString() : null };
    },
    indeterminate: () => true,
    close: () => e.close(),
  };
}
