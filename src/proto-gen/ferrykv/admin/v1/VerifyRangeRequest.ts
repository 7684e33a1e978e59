// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface VerifyRangeRequest {
  'groupId'?: (number);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'readTs'?: (number | string | Long);
  'maxKeys'?: (number);
}

export interface VerifyRangeRequest__Output {
  'groupId': (number);
  'start': (Buffer);
  'end': (Buffer);
  'readTs': (string);
  'maxKeys': (number);
}
