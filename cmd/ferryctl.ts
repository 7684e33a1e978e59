#!/usr/bin/env node
// ferryctl: the operator CLI over ferrykv's admin and KV APIs.
import * as grpc from '@grpc/grpc-js';
import { Command, InvalidArgumentError } from 'commander';
import { FerryClient } from '../src/client/client.js';
import { KvError, fromServiceError } from '../src/kv/errors.js';
import type { AdminClient } from '../src/proto-gen/ferrykv/admin/v1/Admin.js';
import type { NodeStatusResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import { CHANNEL_OPTIONS, protos } from '../src/rpc/protos.js';

const EXIT = { ok: 0, usage: 2, notFound: 3, failed: 1, unavailable: 4 };

const program = new Command()
  .name('ferryctl')
  .description('Operate a ferrykv cluster: status, keys, membership, leadership.')
  .option('--endpoints <list>', 'comma-separated host:port of nodes', process.env.FERRYKV_ENDPOINTS ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003')
  .option('--json', 'machine-readable output', false)
  .option('--timeout-ms <ms>', 'deadline per call', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
    return n;
  }, 10_000)
  .showHelpAfterError();

interface Globals {
  endpoints: string;
  json: boolean;
  timeoutMs: number;
}
const g = (): Globals => program.opts<Globals>();
const endpoints = (): string[] => g().endpoints.split(',').map((s) => s.trim()).filter(Boolean);

function out(human: string, json: unknown): void {
  if (g().json) console.log(JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  else console.log(human);
}

function fail(e: unknown): never {
  const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
  if (g().json) console.log(JSON.stringify({ error: { code: err.code, message: err.message, ...err.detail } }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  else console.error(`ferryctl: ${err.code}: ${err.message}`);
  process.exit(err.code === 'INVALID_ARGUMENT' ? EXIT.usage : err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED' ? EXIT.unavailable : EXIT.failed);
}

async function kv<T>(fn: (c: FerryClient) => Promise<T>): Promise<T> {
  const c = new FerryClient({ endpoints: endpoints(), timeoutMs: g().timeoutMs });
  try {
    return await fn(c);
  } catch (e) {
    fail(e);
  } finally {
    c.close();
  }
}

function admin(endpoint: string): AdminClient {
  return new (protos().admin.ferrykv.admin.v1.Admin)(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}

function adminCall<Req, Res>(endpoint: string, method: Extract<keyof AdminClient, string>, req: Req): Promise<Res> {
  const c = admin(endpoint) as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
  return new Promise<Res>((resolve, reject) => {
    c[method]!.call(c, req, { deadline: Date.now() + g().timeoutMs }, (err, res) => {
      (c as unknown as AdminClient).close();
      if (err) reject(fromServiceError(err));
      else resolve(res as Res);
    });
  });
}

/** Runs an admin call on the group leader, following NOT_LEADER. */
async function onLeader<Res>(group: number, method: Extract<keyof AdminClient, string>, req: object): Promise<Res> {
  let tried = 0;
  let target = endpoints()[0]!;
  for (;;) {
    try {
      return await adminCall<object, Res>(target, method, req);
    } catch (e) {
      if (!(e instanceof KvError) || tried++ > endpoints().length + 2) throw e;
      if (e.code === 'NOT_LEADER' && e.detail.leaderAddress) target = e.detail.leaderAddress;
      else if (e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE') target = endpoints()[tried % endpoints().length]!;
      else throw e;
    }
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

program
  .command('status')
  .description('nodes, groups, leaders, terms, applied index and lag, as a table')
  .action(async () => {
    const rows: NodeStatusResponse__Output[] = [];
    const down: string[] = [];
    for (const e of endpoints()) {
      try {
        rows.push(await adminCall<object, NodeStatusResponse__Output>(e, 'nodeStatus', {}));
      } catch {
        down.push(e);
      }
    }
    if (rows.length === 0) fail(new KvError('UNAVAILABLE', `no node answered at ${endpoints().join(', ')}`));
    const lines = [`${pad('NODE', 6)}${pad('ADDRESS', 22)}${pad('GROUP', 7)}${pad('ROLE', 14)}${pad('LEADER', 8)}${pad('TERM', 7)}${pad('COMMIT', 10)}${pad('APPLIED', 10)}LAG`];
    for (const n of rows) {
      for (const gs of n.groups) {
        const lag = Number(gs.commit) - Number(gs.applied);
        lines.push(`${pad(String(n.nodeId), 6)}${pad(n.address, 22)}${pad(String(gs.groupId), 7)}${pad(gs.role, 14)}${pad(String(gs.leaderId || '-'), 8)}${pad(gs.term, 7)}${pad(gs.commit, 10)}${pad(gs.applied, 10)}${lag}`);
      }
    }
    for (const d of down) lines.push(`(no answer from ${d})`);
    out(lines.join('\n'), { nodes: rows, unreachable: down });
    process.exit(down.length > 0 ? EXIT.unavailable : EXIT.ok);
  });

program
  .command('get <key>')
  .description('read a key (linearizable)')
  .action(async (key: string) => {
    const v = await kv((c) => c.get(key));
    if (!v) {
      out(`(not found)`, { key, found: false });
      process.exit(EXIT.notFound);
    }
    out(Buffer.from(v.value).toString('utf8'), { key, found: true, value: Buffer.from(v.value).toString('utf8'), versionTs: v.versionTs });
  });

program
  .command('put <key> <value>')
  .description('write a key')
  .action(async (key: string, value: string) => {
    const ts = await kv((c) => c.put(key, value));
    out(`OK (commit ts ${ts})`, { key, commitTs: ts });
  });

program
  .command('del <key>')
  .description('delete a key')
  .action(async (key: string) => {
    const ts = await kv((c) => c.delete(key));
    out(`OK (commit ts ${ts})`, { key, commitTs: ts });
  });

program
  .command('scan [start] [end]')
  .description('list keys in [start, end) (end omitted: to the end)')
  .option('--limit <n>', 'rows to print', (v) => Number(v), 100)
  .option('--reverse', 'descending order', false)
  .action(async (start: string | undefined, end: string | undefined, o: { limit: number; reverse: boolean }) => {
    const rows = await kv(async (c) => {
      const acc: { key: string; value: string; versionTs: bigint }[] = [];
      for await (const r of c.scan({ ...(start ? { start } : {}), ...(end ? { end } : {}), limit: o.limit, reverse: o.reverse })) {
        acc.push({ key: Buffer.from(r.key).toString('utf8'), value: Buffer.from(r.value).toString('utf8'), versionTs: r.versionTs });
      }
      return acc;
    });
    out(rows.map((r) => `${r.key}\t${r.value}`).join('\n') || '(no keys)', { rows });
  });

const members = program.command('members').description('change the members of a group');
members
  .command('add <group> <node> [address]')
  .description('add a node to a group (as a learner unless --voter)')
  .option('--voter', 'add as a voter directly', false)
  .action(async (group: string, node: string, address: string | undefined, o: { voter: boolean }) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'addMember', { groupId: Number(group), nodeId: Number(node), address: address ?? '', learner: !o.voter });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });
members
  .command('promote <group> <node>')
  .description('promote a learner to voter')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'promoteMember', { groupId: Number(group), nodeId: Number(node) });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });
members
  .command('remove <group> <node>')
  .description('remove a node from a group')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'removeMember', { groupId: Number(group), nodeId: Number(node) });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('transfer-leader <group> <node>')
  .description('move leadership of a group to a voter')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ leaderId: number }>(Number(group), 'transferLeader', { groupId: Number(group), toNodeId: Number(node) });
      out(`group ${group}: leader is node ${r.leaderId}`, r);
    } catch (e) {
      fail(e);
    }
  });

await program.parseAsync();
