// Load generator with one adapter per system; the same workload code drives
// both. Workloads: put, linearizable get, 50/50 mixed; N concurrent clients
// (async loops in this process); 256 B values over a key space of 100k keys.
// Prints one JSON line per run: ops/s, p50/p99/p999 latency (ms), errors.
//
//   npm run bench -- kv --system ferrykv --endpoints 127.0.0.1:7001,... --workload put --clients 64 --seconds 10
//   npm run bench -- kv --system etcd --endpoints 127.0.0.1:2379,... --workload get --clients 64
import { Etcd3 } from 'etcd3';
import { FerryClient } from '../src/client/client.js';
import { opt, percentileSorted } from './args.js';

export interface KvAdapter {
  readonly name: string;
  put(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export function ferrykvAdapter(endpoints: string[]): KvAdapter {
  const c = new FerryClient({ endpoints, timeoutMs: 10_000 });
  return {
    name: 'ferrykv',
    put: async (k, v) => {
      await c.put(k, v);
    },
    get: async (k) => {
      const r = await c.get(k);
      return r ? Buffer.from(r.value) : undefined;
    },
    close: () => Promise.resolve(c.close()),
  };
}

export function etcdAdapter(endpoints: string[]): KvAdapter {
  const c = new Etcd3({ hosts: endpoints.map((e) => `http://${e}`) });
  return {
    name: 'etcd',
    put: async (k, v) => {
      await c.put(k).value(v);
    },
    get: async (k) => (await c.get(k).buffer()) ?? undefined,
    close: () => Promise.resolve(c.close()),
  };
}

export type Workload = 'put' | 'get' | 'mixed';

export interface RunResult {
  system: string;
  workload: Workload;
  clients: number;
  seconds: number;
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  errors: number;
  firstError?: string;
}

const KEYS = 100_000;
const VALUE = Buffer.alloc(256, 0x61);

function key(i: number): string {
  return `k${String(i).padStart(6, '0')}`;
}

const pct = (sorted: Float64Array, p: number): number => percentileSorted(sorted, p, 3);

/** Writes every key once so gets find values (run once per system). */
export async function preload(a: KvAdapter, keys = KEYS, concurrency = 64): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys) await a.put(key(next++), VALUE);
    }),
  );
}

export async function run(a: KvAdapter, workload: Workload, clients: number, seconds: number, keys = KEYS, keyOf: (i: number) => string = key): Promise<RunResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let x = (clients * 7919) >>> 0 || 1;
  const rand = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const k = keyOf(rand() % keys);
        const isPut = workload === 'put' || (workload === 'mixed' && (rand() & 1) === 0);
        const t0 = performance.now();
        try {
          if (isPut) await a.put(k, VALUE);
          else await a.get(k);
          latencies.push(performance.now() - t0);
        } catch (e) {
          errors++;
          firstError ??= e instanceof Error ? e.message : String(e);
        }
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  return {
    system: a.name,
    workload,
    clients,
    seconds,
    ops: latencies.length,
    opsPerSec: Math.round(latencies.length / seconds),
    p50Ms: pct(sorted, 50),
    p99Ms: pct(sorted, 99),
    p999Ms: pct(sorted, 99.9),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

export async function runKvBench(args: string[]): Promise<void> {
  const system = opt(args, 'system', 'ferrykv');
  const endpoints = opt(args, 'endpoints', system === 'etcd' ? '127.0.0.1:2379' : '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003').split(',');
  const workloads = opt(args, 'workload', 'put,get,mixed').split(',') as Workload[];
  const clients = opt(args, 'clients', '1,16,64,256').split(',').map(Number);
  const seconds = Number(opt(args, 'seconds', '10'));
  if (system !== 'ferrykv' && system !== 'etcd') throw new Error('--system must be ferrykv or etcd');
  const a = system === 'etcd' ? etcdAdapter(endpoints) : ferrykvAdapter(endpoints);
  try {
    const keys = Number(opt(args, 'keys', String(KEYS)));
    if (!args.includes('--no-preload')) await preload(a, keys);
    for (const w of workloads) for (const c of clients) console.log(JSON.stringify(await run(a, w, c, seconds, keys)));
  } finally {
    await a.close();
  }
}
