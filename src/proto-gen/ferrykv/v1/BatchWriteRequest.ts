// Original file: proto/ferrykv.proto

import type { Mutation as _ferrykv_v1_Mutation, Mutation__Output as _ferrykv_v1_Mutation__Output } from '../../ferrykv/v1/Mutation.js';

export interface BatchWriteRequest {
  'mutations'?: (_ferrykv_v1_Mutation)[];
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface BatchWriteRequest__Output {
  'mutations': (_ferrykv_v1_Mutation__Output)[];
  'requestId': (Buffer);
}
