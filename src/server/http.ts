// The node's HTTP side: /metrics (Prometheus text) and /healthz (JSON:
// leaderless groups, stalled migration jobs, groups whose replicas differ;
// 503 while the node stops).

import { createServer, type Server } from 'node:http';
import { TERMINAL } from '../migration/job.js';
import { DEFAULT_GROUP, type NodeContext } from './context.js';
import { GroupState } from './group-state.js';

export interface Health {
  status: 'ok' | 'degraded' | 'stopping';
  nodeId: number;
  leaderlessGroups: number[];
  stalledJobs: { jobId: number; phase: string; reason: string }[];
  inconsistentGroups: number[];
  groups: { group: number; leader: number; role: string }[];
}

export function health(ctx: NodeContext): Health {
  const groups = [...ctx.host.replicas.values()].filter((r) => !r.removed).map((r) => ({ group: r.group, leader: r.leader() as number, role: String(r.raft.role) }));
  const leaderlessGroups = groups.filter((g) => g.leader === 0).map((g) => g.group);
  const d = ctx.host.replica(DEFAULT_GROUP);
  const stalledJobs = d?.isLeader()
    ? [...GroupState.of(d).splitJobs.values()].filter((j) => j.stalled && !TERMINAL.has(j.phase)).map((j) => ({ jobId: j.jobId, phase: j.phase, reason: j.stallReason ?? '' }))
    : [];
  const inconsistentGroups = [...ctx.consistency].filter(([, c]) => !c.consistent).map(([g]) => g);
  const status = ctx.stopping() ? 'stopping' : leaderlessGroups.length > 0 || stalledJobs.length > 0 || inconsistentGroups.length > 0 ? 'degraded' : 'ok';
  return { status, nodeId: ctx.cfg.nodeId, leaderlessGroups, stalledJobs, inconsistentGroups, groups };
}

/** Serves /metrics and /healthz on `address` (host:port; port 0 picks one); resolves with the server and its port. */
export async function startHttp(ctx: NodeContext, address: string): Promise<{ server: Server; port: number }> {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      ctx.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        },
      );
      return;
    }
    if (req.url === '/healthz') {
      const h = health(ctx);
      res.writeHead(h.status === 'stopping' ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
