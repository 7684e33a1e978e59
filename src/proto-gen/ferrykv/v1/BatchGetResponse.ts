// Original file: proto/ferrykv.proto

import type { KeyValue as _ferrykv_v1_KeyValue, KeyValue__Output as _ferrykv_v1_KeyValue__Output } from '../../ferrykv/v1/KeyValue.js';

export interface BatchGetResponse {
  'pairs'?: (_ferrykv_v1_KeyValue)[];
}

export interface BatchGetResponse__Output {
  'pairs': (_ferrykv_v1_KeyValue__Output)[];
}
