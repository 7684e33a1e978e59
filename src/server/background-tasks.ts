// The node's periodic work, as named tasks of src/node/background.ts: what
// each does, how often, and what it logs. Each pass visits every group this
// node holds, a few at a time; the planes' functions act only where this node
// leads, and skip a group with nothing to do (src/kv/sweep.ts).

import { Background } from '../node/background.js';
import { SourceDuties } from '../migration/group/source-duties.js';
import { groupsOverRpc } from '../migration/groups-port.js';
import { IdleGc } from '../runtime/idle-gc.js';
import type { NodeContext } from './context.js';
import { checkGroupConsistency } from './replica-verify.js';

/**
 * Groups a pass works on at once. A pass that proposed on every group at the
 * same moment woke every quiesced group together (thousands of groups' raft
 * rounds in one burst, which cost leaderships at 5,000 groups); a few at a
 * time, the burst is bounded and a skipped group costs a check.
 */
export const PASS_CONCURRENCY = 8;

/** Runs `fn` on every group this node holds, PASS_CONCURRENCY at a time, logging each group's failure (the pass goes on). */
async function eachGroup(ctx: NodeContext, what: string, fn: (g: number) => Promise<number>, done: (g: number, n: number) => void, level: 'debug' | 'warn' = 'warn'): Promise<void> {
  const groups = [...ctx.host.replicas.keys()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length && !ctx.stopping()) {
      const g = groups[next++]!;
      try {
        const n = await fn(g);
        if (n > 0) done(g, n);
      } catch (e) {
        ctx.log[level]({ groupId: g, err: (e as Error).message }, `${what} failed; will retry`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PASS_CONCURRENCY, groups.length) }, worker));
}

/** A period for work whose retention is `retentionMs`: a fraction of it, between 0.5 s and 60 s. */
function periodFor(retentionMs: number, fraction: number): number {
  return Math.min(60_000, Math.max(500, Math.floor(retentionMs * fraction)));
}

export function startBackground(ctx: NodeContext): Background {
  const { cfg, log } = ctx;
  const bg = new Background(log);
  // Bounded memory: forget request ids past their retention.
  bg.add({
    name: 'request-id-gc',
    everyMs: periodFor(cfg.dedupRetentionMs, 1 / 2),
    run: () => eachGroup(ctx, 'request-id collection', (g) => ctx.kv.collectDedup(g, cfg.dedupRetentionMs), (g, n) => log.debug({ groupId: g, forgotten: n }, 'request ids past retention collected')),
  });
  // Bounded storage: collect versions shadowed for longer than the GC retention.
  bg.add({
    name: 'version-gc',
    everyMs: periodFor(cfg.gcRetentionMs, 1 / 4),
    run: () => eachGroup(ctx, 'version GC', (g) => ctx.kv.collectGarbage(g, cfg.gcRetentionMs), (g, n) => log.debug({ groupId: g, collected: n }, 'old versions collected')),
  });
  // Locks of coordinators that died: rolled forward or back after their TTL.
  bg.add({
    name: 'txn-lock-resolver',
    everyMs: cfg.txnResolverIntervalMs,
    run: () => eachGroup(ctx, 'lock resolver pass', (g) => ctx.txn.resolveExpired(g), (g, n) => log.info({ groupId: g, resolved: n }, 'expired transaction locks resolved'), 'debug'),
  });
  // A fence never outlives its deadline; a released range is adopted without the migrator (MIGRATION.md).
  const duties = new SourceDuties({ groups: groupsOverRpc(ctx.groupClient), log });
  bg.add({ name: 'source-duties', everyMs: 200, run: () => duties.run(ctx.host.replicas.values()) });
  // Garbage a burst left behind goes back once the node is quiet (src/runtime/idle-gc.ts).
  if (cfg.idleGc) {
    const idleGc = new IdleGc();
    ctx.metrics.watchIdleGc(idleGc.stats);
    bg.add({
      name: 'idle-gc',
      everyMs: 5000,
      run: () => {
        if (idleGc.check()) log.debug({ pauseMs: Math.round(idleGc.stats.lastPauseMs), reclaimedMiB: Math.round(idleGc.stats.reclaimedBytes / 2 ** 20) }, 'idle full garbage collection');
      },
    });
  }
  // Background replica checks: every group this node leads, one at a time, paced.
  if (cfg.consistencyCheckIntervalMs > 0) {
    bg.add({
      name: 'consistency-check',
      everyMs: cfg.consistencyCheckIntervalMs,
      run: async () => {
        for (const r of [...ctx.host.replicas.values()]) {
          if (ctx.stopping()) return;
          if (r.isLeader()) await checkGroupConsistency(ctx, r.group);
        }
      },
    });
  }
  return bg;
}
