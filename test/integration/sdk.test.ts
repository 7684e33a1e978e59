// The SDK through a leader kill and a leader transfer: every operation either
// succeeds or fails with a typed error within its deadline; none hangs; no
// acknowledged write is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient, KvError } from '../../src/client/index.js';
import { TestCluster, call, sleep } from '../../testkit/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await TestCluster.start();
}, 60_000);
afterAll(async () => {
  await c?.cleanup();
});

const DEADLINE_MS = 4000;

describe('SDK under leader kill and leader transfer', () => {
  it('finishes every operation within its deadline with a result or a typed error, losing no acknowledged write', async () => {
    const db = new FerryClient({ endpoints: [1, 2, 3].map((id) => c.address(id)), timeoutMs: DEADLINE_MS });
    const acked = new Map<string, string>();
    const outcomes = { ok: 0, typedErrors: new Map<string, number>() };
    let slowest = 0;
    let stop = false;

    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `a/${w}/${i}`; // group 1
        const started = Date.now();
        try {
          await db.put(key, `v${i}`);
          acked.set(key, `v${i}`);
          const got = await db.get(key);
          expect(got && Buffer.from(got.value).toString()).toBe(`v${i}`);
          outcomes.ok++;
        } catch (e) {
          expect(e).toBeInstanceOf(KvError);
          const code = (e as KvError).code;
          outcomes.typedErrors.set(code, (outcomes.typedErrors.get(code) ?? 0) + 1);
        }
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    const workers = [0, 1, 2, 3].map((w) => worker(w));

    await sleep(500);
    // 1. Kill the leader of group 1 (SIGKILL), let the others elect, restart it.
    const leader = await c.leaderOf(1);
    await c.kill(leader, 'SIGKILL');
    await sleep(1500);
    c.startNode(leader);
    await c.waitForLeaders([1, 2, 3]);
    // 2. Transfer leadership of group 1 to another voter.
    const now = await c.leaderOf(1);
    const target = [1, 2, 3].find((id) => id !== now)!;
    const admin = c.admin(now);
    await call(admin.transferLeader.bind(admin), { groupId: 1, toNodeId: target }, 10_000);
    expect(await c.leaderOf(1)).toBe(target);
    await sleep(500);
    stop = true;
    await Promise.all(workers);

    // Each call ended within its deadline plus one read's (put + get per iteration), with margin.
    expect(slowest).toBeLessThan(2 * DEADLINE_MS + 2000);
    console.log(`sdk: ${outcomes.ok} ok, errors ${JSON.stringify([...outcomes.typedErrors])}, slowest ${slowest} ms, ${acked.size} acknowledged`);
    expect(outcomes.ok).toBeGreaterThan(20);
    // Every acknowledged write is there, read through each node.
    for (const id of [1, 2, 3]) {
      const one = new FerryClient({ endpoints: [c.address(id)], timeoutMs: 10_000, routing: 'off' });
      const keys = [...acked.keys()];
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await one.batchGet(keys.slice(i, i + 500));
        const have = new Map(rows.map((r) => [Buffer.from(r.key).toString(), Buffer.from(r.value).toString()]));
        for (const k of keys.slice(i, i + 500)) expect(have.get(k), `${k} via node ${id}`).toBe(acked.get(k));
      }
      one.close();
    }
    db.close();
  });

  it('serves Prometheus metrics and a health report over HTTP', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${c.httpPort(1)}/metrics`)).text();
    for (const name of [
      'ferrykv_raft_term',
      'ferrykv_raft_commit_index',
      'ferrykv_raft_applied_index',
      'ferrykv_raft_leader_changes_total',
      'ferrykv_raft_proposals_total',
      'ferrykv_apply_duration_seconds_bucket',
      'ferrykv_requests_total',
      'ferrykv_request_duration_seconds_bucket',
    ]) {
      expect(metrics, name).toContain(name);
    }
    expect(metrics).toMatch(/ferrykv_raft_term\{group="1"\} [1-9]/);
    // Node-wide figures over every group: roles, and raft traffic by type (the cluster elected, so votes went out).
    expect(metrics).toMatch(/^ferrykv_node_raft_groups\{role="leader"\} \d+$/m);
    expect(metrics).toMatch(/^ferrykv_node_raft_leaderless_groups 0$/m);
    expect(metrics).toMatch(/^ferrykv_raft_messages_total\{dir="sent",type="(?:App|AppResp)"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^ferrykv_raft_messages_total\{dir="received",type="(?:App|AppResp)"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^ferrykv_raft_messages_dropped_total\{reason="queue_full"\} 0$/m);
    const health = (await (await fetch(`http://127.0.0.1:${c.httpPort(2)}/healthz`)).json()) as { status: string; groups: unknown[] };
    expect(health.status).toBe('ok');
    expect(health.groups).toHaveLength(3);
  });
});
