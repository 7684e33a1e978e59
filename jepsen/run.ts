// npm run jepsen -- --workload register,set --nemesis all --time 60 --seed 1
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { runJepsen, type NemesisKind, type Workload } from './runner.js';

const ALL_NEMESES: NemesisKind[] = ['kill', 'pause', 'partition', 'transfer', 'split', 'migrate', 'wipe'];
const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

const program = new Command()
  .name('jepsen')
  .description('Run ferrykv under faults, record the history, check it. Exit code 1 on a violation, 2 if the checker gave up.')
  .option('--workload <list>', 'register, set, bank, append, watch (comma-separated; append runs half its processes at snapshot isolation, half serializable; watch consumes change feeds of the register and set writes, so it needs one of them)', 'register,set')
  .option('--nemesis <list>', `none, all, or any of ${ALL_NEMESES.join(', ')}`, 'all')
  .option('--time <sec>', 'seconds of faults', int, 60)
  .option('--seed <n>', 'random seed (replays the schedule)', int, Date.now() % 100000)
  .option('--nodes <n>', '3 or 5', int, 3)
  .option('--groups <n>', 'raft groups (beyond 3, register and set keys spread over every group)', int, 3)
  .option('--interval <sec>', 'seconds between nemesis actions (randomized ±50%)', int, 4)
  .option('--register-processes <n>', 'register client processes', int, 10)
  .option('--register-api <api>', 'how the register workload reaches the cluster: native (the SDK) or etcd (the etcd3 client through each node\'s etcd endpoint; at most 3 groups, no watch workload)', 'native')
  .option('--set-processes <n>', 'set client processes', int, 4)
  .option('--bank-processes <n>', 'bank client processes', int, 4)
  .option('--append-processes <n>', 'list-append client processes', int, 6)
  .option('--checker-timeout-ms <ms>', 'budget per key for the linearizability search', int, 20_000)
  .option('--unsafe-stale-reads', 'TEST ONLY: serve reads without ReadIndex; the run must fail', false)
  .option('--store <dir>', 'where runs are written', fileURLToPath(new URL('./store', import.meta.url)));
program.parse();
const o = program.opts<{
  workload: string;
  nemesis: string;
  time: number;
  seed: number;
  nodes: number;
  groups: number;
  interval: number;
  registerProcesses: number;
  registerApi: string;
  setProcesses: number;
  bankProcesses: number;
  appendProcesses: number;
  checkerTimeoutMs: number;
  unsafeStaleReads: boolean;
  store: string;
}>();

const workloads = o.workload.split(',').map((w) => {
  if (w !== 'register' && w !== 'set' && w !== 'bank' && w !== 'append' && w !== 'watch') program.error(`--workload: unknown workload ${w} (register, set, bank, append, watch)`);
  return w as Workload;
});
const nemeses: NemesisKind[] =
  o.nemesis === 'all'
    ? ALL_NEMESES
    : o.nemesis === 'none'
      ? []
      : o.nemesis.split(',').map((n) => {
          if (!(ALL_NEMESES as string[]).includes(n)) program.error(`--nemesis: unknown nemesis ${n} (${ALL_NEMESES.join(', ')}, all, none)`);
          return n as NemesisKind;
        });
if (workloads.includes('watch') && !workloads.includes('register') && !workloads.includes('set')) program.error('--workload: watch consumes the register and set writes: add register or set');
if (o.nodes !== 3 && o.nodes !== 5) program.error('--nodes: must be 3 or 5');
if (o.registerApi !== 'native' && o.registerApi !== 'etcd') program.error('--register-api: must be native or etcd');
if (o.registerApi === 'etcd' && (workloads.includes('watch') || o.groups > 3)) program.error('--register-api etcd: runs without the watch workload, on at most 3 groups');
if (!Number.isInteger(o.groups) || o.groups < 1 || o.groups > 100_000) program.error('--groups: must be an integer from 1 to 100000');

const report = await runJepsen({
  workloads,
  nemeses,
  timeSec: o.time,
  seed: o.seed,
  nodes: o.nodes as 3 | 5,
  groups: o.groups,
  registerProcesses: o.registerProcesses,
  registerApi: o.registerApi as 'native' | 'etcd',
  setProcesses: o.setProcesses,
  bankProcesses: o.bankProcesses,
  appendProcesses: o.appendProcesses,
  nemesisIntervalSec: o.interval,
  unsafeStaleReads: o.unsafeStaleReads,
  storeDir: o.store,
  checkerTimeoutMs: o.checkerTimeoutMs,
  log: (l) => console.log(l),
});
process.exit(report.valid === true ? 0 : report.valid === false ? 1 : 2);
