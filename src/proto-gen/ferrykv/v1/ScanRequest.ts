// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface ScanRequest {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'limit'?: (number);
  'reverse'?: (boolean);
  'readTs'?: (number | string | Long);
}

export interface ScanRequest__Output {
  'start': (Buffer);
  'end': (Buffer);
  'limit': (number);
  'reverse': (boolean);
  'readTs': (string);
}
