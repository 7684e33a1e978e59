// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface OwnedInterval {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'state'?: (string);
  'jobId'?: (number | string | Long);
  'targetGroup'?: (number);
}

export interface OwnedInterval__Output {
  'start': (Buffer);
  'end': (Buffer);
  'state': (string);
  'jobId': (string);
  'targetGroup': (number);
}
