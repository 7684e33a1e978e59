// Runs the built ferryctl (dist/cmd/ferryctl.js) as a user would, for the
// integration tests that drive it: its exit code and output, bounded in time.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CTL = join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/cmd/ferryctl.js');

export interface CtlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `ferryctl --endpoints <endpoints> --timeout-ms <rpcTimeoutMs> ...args`; rejects only if it could not run or was killed at `timeoutMs`. */
export function runCtl(endpoints: string, args: readonly string[], o: { timeoutMs?: number; rpcTimeoutMs?: number } = {}): Promise<CtlRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CTL, '--endpoints', endpoints, '--timeout-ms', String(o.rpcTimeoutMs ?? 5000), ...args], { timeout: o.timeoutMs ?? 15_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`ferryctl ${args.join(' ')}: ${err.message} (killed: ${String(err.killed)})\n${stdout}\n${stderr}`));
      else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}
