// Original file: proto/ferrykv.proto

import type { Mutation as _ferrykv_v1_Mutation, Mutation__Output as _ferrykv_v1_Mutation__Output } from '../../ferrykv/v1/Mutation.js';
import type { Isolation as _ferrykv_v1_Isolation, Isolation__Output as _ferrykv_v1_Isolation__Output } from '../../ferrykv/v1/Isolation.js';
import type { KeyRange as _ferrykv_v1_KeyRange, KeyRange__Output as _ferrykv_v1_KeyRange__Output } from '../../ferrykv/v1/KeyRange.js';
import type { Long } from '@grpc/proto-loader';

export interface TxnCommitRequest {
  'startTs'?: (number | string | Long);
  'mutations'?: (_ferrykv_v1_Mutation)[];
  'isolation'?: (_ferrykv_v1_Isolation);
  'readKeys'?: (Buffer | Uint8Array | string)[];
  'readRanges'?: (_ferrykv_v1_KeyRange)[];
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface TxnCommitRequest__Output {
  'startTs': (string);
  'mutations': (_ferrykv_v1_Mutation__Output)[];
  'isolation': (_ferrykv_v1_Isolation__Output);
  'readKeys': (Buffer)[];
  'readRanges': (_ferrykv_v1_KeyRange__Output)[];
  'requestId': (Buffer);
}
