// `ferryctl get|put|del|scan`: keys and values as UTF-8 text, through the SDK
// (which routes each key to its group's leader). `get` of a missing key exits 3.

import type { Command } from 'commander';
import { EXIT, uintOption, usageExit, type CtlContext } from './context.js';
import type { GetJson, ScanJson, ScanRowJson, WriteJson } from './output.js';

const utf8 = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function printWrite(ctx: CtlContext, key: string, commitTs: bigint): void {
  const json: WriteJson = { key, commitTs: commitTs.toString() };
  ctx.out(`OK (commit ts ${commitTs})`, json);
}

export function registerKvCommands(program: Command, ctx: CtlContext): void {
  program
    .command('get <key>')
    .description('read a key (linearizable)')
    .action(async (key: string) => {
      const v = await ctx.kv((c) => c.get(key));
      if (!v) {
        ctx.out(`(not found)`, { key, found: false } satisfies GetJson);
        process.exit(EXIT.notFound);
      }
      const json: GetJson = { key, found: true, value: utf8(v.value), versionTs: v.versionTs.toString() };
      ctx.out(json.value, json);
    });

  program
    .command('put <key> <value>')
    .description('write a key')
    .action(async (key: string, value: string) => printWrite(ctx, key, await ctx.kv((c) => c.put(key, value))));

  program
    .command('del <key>')
    .description('delete a key')
    .action(async (key: string) => printWrite(ctx, key, await ctx.kv((c) => c.delete(key))));

  program
    .command('scan [start] [end]')
    .description('list keys in [start, end) (end omitted: to the end)')
    .exitOverride(usageExit)
    .option('--limit <n>', 'rows to print (1 to 1000000)', uintOption(1, 1_000_000), 100)
    .option('--reverse', 'descending order', false)
    .action(async (start: string | undefined, end: string | undefined, o: { limit: number; reverse: boolean }) => {
      const rows = await ctx.kv(async (c) => {
        const acc: ScanRowJson[] = [];
        for await (const r of c.scan({ ...(start ? { start } : {}), ...(end ? { end } : {}), limit: o.limit, reverse: o.reverse })) {
          acc.push({ key: utf8(r.key), value: utf8(r.value), versionTs: r.versionTs.toString() });
        }
        return acc;
      });
      const json: ScanJson = { rows };
      ctx.out(rows.map((r) => `${r.key}\t${r.value}`).join('\n') || '(no keys)', json);
    });
}
