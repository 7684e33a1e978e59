// Original file: proto/internal.proto

import type { StoreClaim as _ferrykv_internal_v1_StoreClaim, StoreClaim__Output as _ferrykv_internal_v1_StoreClaim__Output } from '../../../ferrykv/internal/v1/StoreClaim.js';
import type { Long } from '@grpc/proto-loader';

export interface RaftBatch {
  'fromNode'?: (number);
  'messages'?: (Buffer | Uint8Array | string)[];
  'claim'?: (_ferrykv_internal_v1_StoreClaim | null);
  'incarnation'?: (number | string | Long);
}

export interface RaftBatch__Output {
  'fromNode': (number);
  'messages': (Buffer)[];
  'claim': (_ferrykv_internal_v1_StoreClaim__Output | null);
  'incarnation': (string);
}
