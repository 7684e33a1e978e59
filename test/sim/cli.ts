// Soak / replay command for the Raft simulator.
//   npm run sim -- --seeds 1..2000 --steps 300 --nodes 3,5 [--quiesce] [--lease]
// Prints one JSON summary line; a failing seed prints a one-line replay command.
import { runSeed, type SimCounters } from './simulator.js';

function parseArgs(argv: string[]): { from: number; to: number; steps: number; nodes: (3 | 5)[]; verbose: boolean; quiesce: boolean; lease: boolean } {
  let from = 1;
  let to = 100;
  let steps = 300;
  let nodes: (3 | 5)[] = [3, 5];
  let verbose = false;
  let quiesce = false;
  let lease = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--seeds' && v) {
      const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v);
      if (!m) throw new Error(`--seeds expects A..B or N, got ${v}`);
      from = Number(m[1]);
      to = m[2] ? Number(m[2]) : from;
      i++;
    } else if (a === '--steps' && v) {
      steps = Number(v);
      if (!Number.isInteger(steps) || steps <= 0) throw new Error(`--steps expects a positive integer, got ${v}`);
      i++;
    } else if (a === '--nodes' && v) {
      nodes = v.split(',').map((x) => {
        if (x !== '3' && x !== '5') throw new Error(`--nodes expects 3, 5 or 3,5; got ${v}`);
        return Number(x) as 3 | 5;
      });
      i++;
    } else if (a === '--verbose') {
      verbose = true;
    } else if (a === '--quiesce') {
      quiesce = true;
    } else if (a === '--lease') {
      lease = true;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run sim -- [--seeds A..B] [--steps N] [--nodes 3|5|3,5] [--quiesce] [--lease] [--verbose]\n  --quiesce  model quiescence and node heartbeats (src/node/quiescence.ts)\n  --lease    lease reads (readOnlyOption lease)');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a} (try --help)`);
    }
  }
  return { from, to, steps, nodes, verbose, quiesce, lease };
}

function main(): void {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const totals: Record<string, number> = {};
  let runs = 0;
  let failures = 0;
  const started = Date.now();
  for (let seed = args.from; seed <= args.to; seed++) {
    for (const nodes of args.nodes) {
      const res = runSeed({ seed, nodes, steps: args.steps, ...(args.quiesce ? { quiesce: true } : {}), ...(args.lease ? { lease: true } : {}) });
      runs++;
      for (const [k, v] of Object.entries(res.counters as unknown as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;
      if (args.verbose) console.log(JSON.stringify({ seed, nodes, ok: res.ok, trace: res.traceHash, counters: res.counters }));
      if (!res.ok) {
        failures++;
        console.error(`FAIL seed=${seed} nodes=${nodes} step=${res.step}: ${res.violation}`);
        console.error(`  replay: npm run sim -- --seeds ${seed}..${seed} --steps ${args.steps} --nodes ${nodes}${args.quiesce ? ' --quiesce' : ''}${args.lease ? ' --lease' : ''}`);
      }
    }
  }
  const summary = { runs, failures, seeds: `${args.from}..${args.to}`, steps: args.steps, ms: Date.now() - started, counters: totals as unknown as SimCounters };
  console.log(JSON.stringify(summary));
  process.exit(failures > 0 ? 1 : 0);
}

main();
