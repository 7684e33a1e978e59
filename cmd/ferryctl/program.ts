// The ferryctl program: the root command with its options (--endpoints,
// --json, --timeout-ms), and every subcommand family registered on it, in the
// order `ferryctl --help` lists them.

import { Command, InvalidArgumentError } from 'commander';
import { CtlContext } from './context.js';
import { registerJobCommands } from './job.js';
import { registerKvCommands } from './kv.js';
import { registerMembersCommands } from './members.js';
import { registerRoutesCommands } from './routes.js';
import { registerStatusCommand } from './status.js';
import { registerVerifyCommand } from './verify.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('ferryctl')
    .description('Operate a ferrykv cluster: status, keys, membership, leadership, routes, migration jobs, replica verification.')
    .option('--endpoints <list>', 'comma-separated host:port of nodes', process.env.FERRYKV_ENDPOINTS ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003')
    .option('--json', 'machine-readable output', false)
    .option('--timeout-ms <ms>', 'deadline per call', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 10_000)
    .showHelpAfterError();
  const ctx = new CtlContext(program);
  registerStatusCommand(program, ctx);
  registerKvCommands(program, ctx);
  registerMembersCommands(program, ctx);
  registerRoutesCommands(program, ctx);
  registerJobCommands(program, ctx);
  registerVerifyCommand(program, ctx);
  return program;
}
