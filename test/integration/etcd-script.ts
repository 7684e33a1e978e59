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
