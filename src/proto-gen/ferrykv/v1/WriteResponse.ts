// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface WriteResponse {
  'commitTs'?: (number | string | Long);
}

export interface WriteResponse__Output {
  'commitTs': (string);
}
