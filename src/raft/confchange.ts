// Binary encoding of ConfChange entries. Version-tagged so later releases can
// add fields: [version u8][type u8][nodeId u32 BE][context bytes...].

import { RaftError } from './errors.js';
import { ConfChangeType, type ConfChange, type NodeId } from './types.js';

const CONF_CHANGE_FORMAT_V1 = 1;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(6 + ctx.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, CONF_CHANGE_FORMAT_V1);
  view.setUint8(1, cc.type);
  view.setUint32(2, cc.nodeId);
  out.set(ctx, 6);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < 6) {
    throw new RaftError('INVALID_CONF_CHANGE', `conf change entry too short (${data.byteLength} bytes)`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint8(0);
  if (version !== CONF_CHANGE_FORMAT_V1) {
    throw new RaftError('INVALID_CONF_CHANGE', `unknown conf change format version ${version}`);
  }
  const raw = view.getUint8(1);
  const types: readonly ConfChangeType[] = [ConfChangeType.AddVoter, ConfChangeType.AddLearner, ConfChangeType.RemoveNode];
  const type = types.find((t) => t === (raw as ConfChangeType));
  if (type === undefined) throw new RaftError('INVALID_CONF_CHANGE', `unknown conf change type ${raw}`);
  const nodeId = view.getUint32(2) as NodeId;
  const context = data.slice(6);
  return context.byteLength > 0 ? { type, nodeId, context } : { type, nodeId };
}
