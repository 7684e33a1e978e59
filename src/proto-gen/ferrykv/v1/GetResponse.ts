// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface GetResponse {
  'found'?: (boolean);
  'value'?: (Buffer | Uint8Array | string);
  'versionTs'?: (number | string | Long);
}

export interface GetResponse__Output {
  'found': (boolean);
  'value': (Buffer);
  'versionTs': (string);
}
