// Original file: proto/internal.proto

import type { SnapshotRow as _ferrykv_internal_v1_SnapshotRow, SnapshotRow__Output as _ferrykv_internal_v1_SnapshotRow__Output } from '../../../ferrykv/internal/v1/SnapshotRow.js';
import type { StoreClaim as _ferrykv_internal_v1_StoreClaim, StoreClaim__Output as _ferrykv_internal_v1_StoreClaim__Output } from '../../../ferrykv/internal/v1/StoreClaim.js';
import type { Long } from '@grpc/proto-loader';

export interface SnapshotChunk {
  'groupId'?: (number);
  'fromNode'?: (number);
  'message'?: (Buffer | Uint8Array | string);
  'rows'?: (_ferrykv_internal_v1_SnapshotRow)[];
  'done'?: (boolean);
  'totalRows'?: (number | string | Long);
  'totalBytes'?: (number | string | Long);
  'claim'?: (_ferrykv_internal_v1_StoreClaim | null);
}

export interface SnapshotChunk__Output {
  'groupId': (number);
  'fromNode': (number);
  'message': (Buffer);
  'rows': (_ferrykv_internal_v1_SnapshotRow__Output)[];
  'done': (boolean);
  'totalRows': (string);
  'totalBytes': (string);
  'claim': (_ferrykv_internal_v1_StoreClaim__Output | null);
}
