// How one group's verification reads: its verdict from the VerifyRange report,
// the report as text (replicas, the odd one out, differing ranges and keys)
// and as `VerifyGroupJson`. Pure functions of the check.

import type { KvError } from '../../src/api/errors.js';
import type { VerifyRangeResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import { fmtBytes, hex, showEnd, showKey, showStart, table } from './format.js';
import type { KeyRangeJson, VerifyGroupJson, VerifyStatus } from './output.js';

/** At most this many differing ranges are printed as text (--json has them all). */
const MAX_RANGES_SHOWN = 20;

export interface GroupCheck {
  groupId: number;
  verdict: VerifyStatus;
  /** The endpoint that ran the verification. */
  node?: string;
  report?: VerifyRangeResponse__Output;
  /** Why there is no report. */
  error?: KvError;
}

/** Differences found make a group INCONSISTENT even when a replica also failed to answer; a failed replica alone leaves it UNVERIFIED. */
export function verdictOf(r: VerifyRangeResponse__Output): VerifyStatus {
  if (r.consistent) return 'CONSISTENT';
  if (r.differingRanges.length > 0 || r.differingKeys.length > 0) return 'INCONSISTENT';
  return r.replicas.some((x) => x.error) ? 'UNVERIFIED' : 'INCONSISTENT';
}

export const rangeJson = (start: Uint8Array, end: Uint8Array): KeyRangeJson => ({ start: showKey(start), startHex: hex(start), end: showKey(end), endHex: hex(end) });

/** Which replicas hold a root no majority shares (roots are comparable: all are hashed on the reference's leaf boundaries). */
function oddOneOut(r: VerifyRangeResponse__Output): string | undefined {
  const answered = r.replicas.filter((x) => !x.error);
  const byRoot = new Map<string, number[]>();
  for (const x of answered) byRoot.set(hex(x.root), [...(byRoot.get(hex(x.root)) ?? []), x.nodeId]);
  if (byRoot.size < 2) return undefined;
  const top = [...byRoot.values()].sort((a, b) => b.length - a.length)[0]!;
  if (top.length * 2 <= answered.length) return `no root is shared by a majority of the ${answered.length} replicas that answered`;
  const odd = answered
    .filter((x) => !top.includes(x.nodeId))
    .map((x) => x.nodeId)
    .sort((a, b) => a - b);
  // Node ids in numeric order, whichever replica was the reference.
  return `odd one${odd.length > 1 ? 's' : ''} out: node${odd.length > 1 ? 's' : ''} ${odd.join(', ')} (nodes ${[...top].sort((a, b) => a - b).join(', ')} agree)`;
}

/** The differing ranges and keys of an inconsistent report, as text lines. */
function differenceLines(r: VerifyRangeResponse__Output): string[] {
  const lines: string[] = [];
  if (r.differingRanges.length > 0) {
    lines.push(`  differing ranges (${r.differingRanges.length}):`);
    for (const x of r.differingRanges.slice(0, MAX_RANGES_SHOWN)) lines.push(`    [${showStart(x.start)}, ${showEnd(x.end)})`);
    if (r.differingRanges.length > MAX_RANGES_SHOWN) lines.push(`    … and ${r.differingRanges.length - MAX_RANGES_SHOWN} more (--json lists them all)`);
  }
  if (r.differingKeys.length > 0) {
    lines.push(`  differing keys (${r.differingKeys.length}${r.keysTruncated ? ', truncated' : ''}):`);
    lines.push(...table(['KEY', 'TS', 'NODE', 'KIND'], r.differingKeys.map((k) => [showKey(k.key), k.ts, String(k.nodeId), k.kind]), '    '));
    lines.push(`    (missing: reference node ${r.referenceNodeId} has this version and NODE not; extra: NODE has it and the reference not; changed: same version, another value)`);
  }
  if (r.keysTruncated) lines.push('  more differences than listed: raise --max-keys, or verify a narrower --start/--end');
  return lines;
}

/** One group's report as text; `scope` names the range and versions compared. */
export function checkText(c: GroupCheck, scope: string): string {
  if (!c.report) return `group ${c.groupId}: UNVERIFIED (${scope}): ${c.error!.code}: ${c.error!.message}`;
  const r = c.report;
  const lines = [`group ${c.groupId}: ${c.verdict} (${scope}); reference node ${r.referenceNodeId} (the group's leader), asked ${c.node}`];
  const failed = r.replicas.filter((x) => x.error);
  lines.push(
    ...table(
      ['NODE', 'ROOT', 'LEAVES', 'BYTES', 'ERROR'],
      r.replicas.map((x) => [String(x.nodeId), x.error ? '-' : hex(x.root).slice(0, 12), x.error ? '-' : String(x.leaves), x.error ? '-' : x.bytes, x.error.trim() || '-']),
      '  ',
    ),
  );
  const odd = c.verdict === 'INCONSISTENT' ? oddOneOut(r) : undefined;
  if (odd) lines.push(`  ${odd}`);
  if (failed.length > 0 && c.verdict === 'UNVERIFIED') lines.push(`  node${failed.length > 1 ? 's' : ''} ${failed.map((x) => x.nodeId).join(', ')} did not answer; the replicas that answered agree`);
  lines.push(...differenceLines(r));
  lines.push(
    `  took ${r.durationMs} ms; scanned ${r.bytesScanned} bytes (${fmtBytes(r.bytesScanned)}) on all replicas; read point at log index ${r.index}; ${r.nodesCompared} Merkle node pairs compared`,
  );
  return lines.join('\n');
}

export function checkGroupJson(c: GroupCheck): VerifyGroupJson {
  const r = c.report;
  return {
    groupId: c.groupId,
    status: c.verdict,
    node: c.node ?? null,
    error: c.error ? { code: c.error.code, message: c.error.message } : null,
    report: r
      ? {
          consistent: r.consistent,
          referenceNodeId: r.referenceNodeId,
          replicas: r.replicas.map((x) => ({ nodeId: x.nodeId, root: hex(x.root), leaves: x.leaves, bytes: x.bytes, error: x.error })),
          differingRanges: r.differingRanges.map((x) => rangeJson(x.start, x.end)),
          differingKeys: r.differingKeys.map((k) => ({ key: showKey(k.key), keyHex: hex(k.key), ts: k.ts, nodeId: k.nodeId, kind: k.kind })),
          keysTruncated: r.keysTruncated,
          durationMs: r.durationMs,
          bytesScanned: r.bytesScanned,
          index: r.index,
          nodesCompared: r.nodesCompared,
        }
      : null,
  };
}
