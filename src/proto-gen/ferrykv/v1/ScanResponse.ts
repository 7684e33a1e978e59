// Original file: proto/ferrykv.proto

import type { KeyValue as _ferrykv_v1_KeyValue, KeyValue__Output as _ferrykv_v1_KeyValue__Output } from '../../ferrykv/v1/KeyValue.js';

export interface ScanResponse {
  'pairs'?: (_ferrykv_v1_KeyValue)[];
  'more'?: (boolean);
}

export interface ScanResponse__Output {
  'pairs': (_ferrykv_v1_KeyValue__Output)[];
  'more': (boolean);
}
