// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface CompareAndSwapResponse {
  'succeeded'?: (boolean);
  'currentFound'?: (boolean);
  'current'?: (Buffer | Uint8Array | string);
  'commitTs'?: (number | string | Long);
}

export interface CompareAndSwapResponse__Output {
  'succeeded': (boolean);
  'currentFound': (boolean);
  'current': (Buffer);
  'commitTs': (string);
}
