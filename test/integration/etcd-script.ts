// One etcdctl session, run the same way against ferrykv's etcd endpoint and
// against a real etcd: each step's exit code and output, normalized where the
// two systems may honestly differ (revision numbers, lease ids, member ids,
// addresses, sizes and timings), so the outputs can be compared as text.

import { etcdctl } from '../../testkit/etcd.js';

export interface StepOutput {
  readonly step: string;
  readonly code: number | null;
  readonly out: string;
}

/** Revisions, ids and timings: what differs between two honest systems. */
export function normalize(s: string): string {
  return s
    .replace(/\{"level":"warn".*\n/g, '') // clientv3's retry warnings (stderr)
    .replace(/\b\d{1,3}(\.\d{1,3}){3}:\d+\b/g, '<ADDR>')
    .replace(/\btook = [\d.]+(µs|ms|s)\b/g, 'took = <T>')
    .replace(/\b[0-9a-f]{16}\b/g, '<ID>')
    // Revisions: etcd counts writes, ferrykv's are HLC timestamps; member ids are etcd's hashes or ferrykv's node ids.
    .replace(/("?(?:revision|cluster_id|member_id|create_revision|mod_revision|raft_term|ClusterID|MemberID|Revision|CreateRevision|ModRevision|RaftTerm)"?\s*:\s*)\d+/g, '$1<N>')
    .replace(/compacted revision \d+/g, 'compacted revision <N>')
    .replace(/remaining\(\d+s\)/g, "remaining(<S>)")
    .replace(/\b\d{4,}\b/g, '<N>')
    .trim();
}

/** The session: writes, reads of every shape, deletes, transactions, compaction, errors. */
export async function kvSession(endpoint: string): Promise<StepOutput[]> {
  const out: StepOutput[] = [];
  const run = async (step: string, args: string[], stdin = ''): Promise<string> => {
    const r = await etcdctl(endpoint, args, stdin);
    out.push({ step, code: r.code, out: normalize(r.stdout + (r.code === 0 ? '' : `\n${r.stderr}`)) });
    return r.stdout;
  };
  // Not JSON.parse: ferrykv's revisions (HLC timestamps, ~2^57) lose digits as JavaScript numbers.
  const revOf = (json: string): string => /"revision":(\d+)/.exec(json)![1]!;
  await run('put', ['put', 'foo', 'bar']);
  await run('get', ['get', 'foo']);
  await run('put --prev-kv', ['put', 'foo', 'baz', '--prev-kv']);
  const r1 = revOf(await run('put -w json', ['put', 'a1', '1', '-w', 'json']));
  await run('put a2', ['put', 'a2', '2']);
  await run('put a3', ['put', 'a3', '3']);
  await run('put b1', ['put', 'b1', 'x']);
  await run('get --prefix', ['get', 'a', '--prefix']);
  await run('get range', ['get', 'a', 'a3']);
  await run('get --limit', ['get', 'a', '--prefix', '--limit=2']);
  await run('get --sort-by KEY DESCEND', ['get', 'a', '--prefix', '--sort-by=KEY', '--order=DESCEND']);
  await run('get --sort-by VALUE --keys-only', ['get', '', '--prefix', '--sort-by=VALUE', '--order=ASCEND', '--keys-only']);
  await run('get --from-key', ['get', 'a2', '--from-key', '--keys-only']);
  await run('get --print-value-only', ['get', 'foo', '--print-value-only']);
  await run('get --rev', ['get', 'a', '--prefix', `--rev=${r1}`]);
  await run('get -w fields', ['get', 'foo', '-w', 'fields']);
  await run('get missing', ['get', 'nothing-here']);
  await run('del one', ['del', 'b1']);
  await run('del --prev-kv', ['del', 'foo', '--prev-kv']);
  await run('del --prefix', ['del', 'a', '--prefix']);
  await run('del nothing', ['del', 'zz']);
  await run('put t', ['put', 't', 'one']);
  await run('txn success', ['txn', '-i'], 'value("t") = "one"\n\nput t two\nget t\n\nput t never\n\n');
  await run('txn failure', ['txn', '-i'], 'version("t") = "5"\nmod("t") > "0"\n\nput t never\n\nget t\ndel t\n\n');
  await run('txn create', ['txn', '-i'], 'create("u") = "0"\n\nput u new\n\n\n');
  await run('get after txn', ['get', '', '--prefix']);
  const r2 = revOf(await run('put -w json again', ['put', 'c', '1', '-w', 'json']));
  await run('put c', ['put', 'c', '2']);
  await run('compaction', ['compaction', r2]);
  await run('get at the compaction revision', ['get', 'c', `--rev=${r2}`]);
  await run('get below the compaction revision', ['get', 'c', `--rev=${r1}`]);
  await run('compaction again', ['compaction', r1]);
  await run('put empty key', ['put', '', 'x']);
  await run('put unknown lease', ['put', 'k', 'v', '--lease=1234abcd']);
  await run('txn too many ops', ['txn', '-i'], `\n${Array.from({ length: 129 }, (_, i) => `put k${i} v`).join('\n')}\n\n\n`);
  await run('txn duplicate key', ['txn', '-i'], '\nput d 1\nput d 2\n\n\n');
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Watches (from a revision, with prev_kv, while another process writes) and leases (grant, attach, keep-alive, revoke, expiry). */
export async function watchLeaseSession(endpoint: string): Promise<StepOutput[]> {
  const out: StepOutput[] = [];
  const push = (step: string, r: { code: number | null; stdout: string; stderr: string }): string => {
    out.push({ step, code: r.code, out: normalize(r.stdout + (r.code === 0 ? '' : `\n${r.stderr}`)) });
    return r.stdout;
  };
  const run = async (step: string, args: string[], stdin = ''): Promise<string> => push(step, await etcdctl(endpoint, args, stdin));
  const revOf = (json: string): string => /"revision":(\d+)/.exec(json)![1]!;
  const rw = revOf(await run('put w1', ['put', 'w1', 'a', '-w', 'json']));
  await run('put w2', ['put', 'w2', 'b']);
  await run('del w1', ['del', 'w1']);
  // A watch from the first write's revision replays the history, then sees another process's writes live.
  const watching = etcdctl(endpoint, ['watch', '--prefix', 'w', `--rev=${rw}`, '--prev-kv'], '', 4000);
  await sleep(1500);
  await run('put w3 while watched', ['put', 'w3', 'c']);
  await run('put w2 while watched', ['put', 'w2', 'd']);
  push('watch --prefix --rev --prev-kv', await watching);
  const granted = await run('lease grant', ['lease', 'grant', '100']);
  const id = /lease ([0-9a-f]+) granted/.exec(granted)?.[1] ?? '0';
  await run('put --lease', ['put', 'lk', 'v', `--lease=${id}`]);
  await run('lease timetolive --keys', ['lease', 'timetolive', id, '--keys']);
  await run('lease keep-alive --once', ['lease', 'keep-alive', '--once', id]);
  await run('lease list', ['lease', 'list']);
  await run('get lk -w fields', ['get', 'lk', '-w', 'fields']);
  await run('lease revoke', ['lease', 'revoke', id]);
  await run('get after revoke', ['get', 'lk']);
  await run('lease timetolive after revoke', ['lease', 'timetolive', id]);
  await run('lease revoke again', ['lease', 'revoke', id]);
  const short = await run('lease grant short', ['lease', 'grant', '2']);
  const sid = /lease ([0-9a-f]+) granted/.exec(short)?.[1] ?? '0';
  await run('put --lease short', ['put', 'sk', 'v', `--lease=${sid}`]);
  await run('get before expiry', ['get', 'sk']);
  await sleep(4500);
  await run('get after expiry', ['get', 'sk']);
  await run('lease list after expiry', ['lease', 'list']);
  return out;
}
