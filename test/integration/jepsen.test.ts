// The Jepsen tier in CI: one combined register + set run under every nemesis
// (kill -9, pause, partition, leader transfer, split, migrate) that must pass,
// with two watchers consuming change feeds of those keys (the watch checker),
// one bank + list-append transaction run under the same nemeses, the register
// workload driven through the etcd API by the etcd3 client, and the
// register workload with the stale-read failpoint that must be caught.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJepsen } from '../../jepsen/runner.js';

const store = join(tmpdir(), 'ferrykv-jepsen-ci');
const SEED = 20261124;

describe('Jepsen', () => {
  it('register + set + watch on 100 groups under kill, pause, partition, leader transfer, splits, live migrations and a wiped disk: linearizable, no lost add, every feed complete and in order', async () => {
    const r = await runJepsen({
      workloads: ['register', 'set', 'watch'],
      nemeses: ['wipe', 'kill', 'pause', 'partition', 'transfer', 'split', 'migrate'],
      timeSec: 60,
      seed: SEED,
      nodes: 3,
      groups: 100, // the register and set keys spread over every group (jepsen/runner.ts WorkloadKeys)
      registerProcesses: 10,
      setProcesses: 3,
      nemesisIntervalSec: 4,
      unsafeStaleReads: false,
      storeDir: store,
      checkerTimeoutMs: 20_000,
      log: (l) => console.log(l),
    });
    expect(r.nemesis.length, 'the nemesis did something').toBeGreaterThan(5);
    // Kill, pause and partition all happened (the nemesis cycles through its kinds).
    for (const kind of ['kill -9', 'SIGSTOP', 'partition', 'wipe']) expect(r.nemesis.some((n) => n.startsWith(kind)), kind).toBe(true);
    // The wiped node refused its emptied data dir (a violation fails the run, checked by r.valid too).
    expect(r.violations).toEqual([]);
    expect(r.set?.acknowledged ?? 0).toBeGreaterThan(50);
    // Both watchers judged the acknowledged writes; the restarting one resumed from its checkpoints.
    for (const w of r.watch?.watchers ?? []) expect(w.judged, w.name).toBeGreaterThan(200);
    expect(r.watch?.watchers.length).toBe(2);
    expect(r.watch?.watchers.find((w) => w.name === 'restarting')?.restarts ?? 0).toBeGreaterThan(1);
    expect(r.valid, `seed ${SEED}, artifacts in ${r.dir}`).toBe(true);
  }, 300_000);

  it('bank and list-append transactions (snapshot isolation and serializable) under kill, pause, partition, leader transfer, splits and live migrations: totals constant, no forbidden anomaly', async () => {
    const r = await runJepsen({
      workloads: ['bank', 'append'],
      nemeses: ['kill', 'pause', 'partition', 'transfer', 'split', 'migrate'],
      timeSec: 45,
      seed: SEED + 2,
      nodes: 3,
      registerProcesses: 0,
      setProcesses: 0,
      bankProcesses: 4,
      appendProcesses: 6,
      nemesisIntervalSec: 3,
      unsafeStaleReads: false,
      storeDir: store,
      checkerTimeoutMs: 20_000,
      log: (l) => console.log(l),
    });
    expect(r.nemesis.length, 'the nemesis did something').toBeGreaterThan(5);
    expect(r.bank?.reads ?? 0).toBeGreaterThan(20);
    expect(r.bank?.transfers.ok ?? 0).toBeGreaterThan(50);
    for (const level of ['snapshot', 'serializable'] as const) expect(r.append?.[level].txns.ok ?? 0, level).toBeGreaterThan(100);
    expect(r.valid, `seed ${SEED + 2}, artifacts in ${r.dir}`).toBe(true);
  }, 300_000);

  it('register through the etcd API (the etcd3 client, Txn compare-and-set) under kill, pause, partition, leader transfer, splits, live migrations and a wiped disk: linearizable', async () => {
    const r = await runJepsen({
      workloads: ['register'],
      registerApi: 'etcd',
      nemeses: ['wipe', 'kill', 'pause', 'partition', 'transfer', 'split', 'migrate'],
      timeSec: 40,
      seed: SEED + 3,
      nodes: 3,
      registerProcesses: 10,
      setProcesses: 0,
      nemesisIntervalSec: 3,
      unsafeStaleReads: false,
      storeDir: store,
      checkerTimeoutMs: 20_000,
      log: (l) => console.log(l),
    });
    expect(r.nemesis.length, 'the nemesis did something').toBeGreaterThan(5);
    expect(r.violations).toEqual([]);
    // Operations completed through the etcd endpoints (not a run where every call failed).
    expect(r.register?.keys.length ?? 0).toBeGreaterThan(2);
    expect((r.stats as { total: { ok: number } }).total.ok).toBeGreaterThan(500);
    expect(r.valid, `seed ${SEED + 3}, artifacts in ${r.dir}`).toBe(true);
  }, 300_000);

  it('reports the stale-read failpoint as non-linearizable (the harness can fail)', async () => {
    const r = await runJepsen({
      workloads: ['register'],
      nemeses: ['partition'],
      timeSec: 25,
      seed: SEED + 1,
      nodes: 3,
      registerProcesses: 10,
      setProcesses: 0,
      nemesisIntervalSec: 3,
      unsafeStaleReads: true,
      storeDir: store,
      checkerTimeoutMs: 20_000,
      log: (l) => console.log(l),
    });
    expect(r.valid, `seed ${SEED + 1}: the failpoint must be detected`).toBe(false);
    const bad = r.register!.keys.find((k) => k.valid === false);
    expect(bad?.failure?.minimal.length ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
