// `ferryctl get|put|del|scan|watch`: keys and values as UTF-8 text, through the SDK
// (which routes each key to its group's leader). `get` of a missing key exits 3.
// `watch` prints changes until interrupted (or --count/--timeout-ms ends it).

import type { Command } from 'commander';
import { EXIT, timestampOption, uintOption, usageExit, type CtlContext } from './context.js';
import type { GetJson, ScanJson, ScanRowJson, WatchEventJson, WatchProgressJson, WriteJson } from './output.js';

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

  program
    .command('watch <prefix>')
    .description('print the changes of every key with this prefix ("" for all keys) as they commit, until interrupted')
    .exitOverride(usageExit)
    .option('--from-ts <ts>', 'start after this commit timestamp (default: now)', timestampOption)
    .option('--prev', 'print each key\'s previous value too', false)
    .option('--progress', 'also print resolved timestamps (every change at or below one was printed)', false)
    .option('--count <n>', 'stop after this many events (1 to 1000000)', uintOption(1, 1_000_000))
    .action(async (prefix: string, o: { fromTs?: bigint; prev: boolean; progress: boolean; count?: number }) => {
      await ctx.kv(async (c) => {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        let n = 0;
        for await (const batch of c.watch({ prefix, ...(o.fromTs !== undefined ? { fromTs: o.fromTs } : {}), prevKv: o.prev, signal: stop.signal })) {
          for (const e of batch.events) {
            const json: WatchEventJson = { type: e.type, key: utf8(e.key), commitTs: e.commitTs.toString(), ...(e.type === 'put' ? { value: utf8(e.value) } : {}), ...(o.prev ? { prev: e.prevValue ? utf8(e.prevValue) : null } : {}) };
            const prev = o.prev ? `\t(was ${e.prevValue ? utf8(e.prevValue) : 'absent'})` : '';
            ctx.out(`${e.commitTs}\t${e.type}\t${json.key}${e.type === 'put' ? `\t${json.value}` : ''}${prev}`, json);
            if (o.count !== undefined && ++n >= o.count) return;
          }
          if (o.progress && batch.events.length === 0) ctx.out(`${batch.resolvedTs}\tresolved`, { resolvedTs: batch.resolvedTs.toString() } satisfies WatchProgressJson);
        }
      });
    });
}
