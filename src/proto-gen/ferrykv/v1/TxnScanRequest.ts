// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnScanRequest {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'limit'?: (number);
  'reverse'?: (boolean);
  'startTs'?: (number | string | Long);
}

export interface TxnScanRequest__Output {
  'start': (Buffer);
  'end': (Buffer);
  'limit': (number);
  'reverse': (boolean);
  'startTs': (string);
}
