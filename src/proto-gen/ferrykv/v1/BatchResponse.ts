// Original file: proto/ferrykv.proto

import type { OpResult as _ferrykv_v1_OpResult, OpResult__Output as _ferrykv_v1_OpResult__Output } from '../../ferrykv/v1/OpResult.js';

export interface BatchResponse {
  'results'?: (_ferrykv_v1_OpResult)[];
}

export interface BatchResponse__Output {
  'results': (_ferrykv_v1_OpResult__Output)[];
}
