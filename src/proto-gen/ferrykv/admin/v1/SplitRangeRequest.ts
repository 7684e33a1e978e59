// Original file: proto/admin.proto


export interface SplitRangeRequest {
  'splitKey'?: (Buffer | Uint8Array | string);
}

export interface SplitRangeRequest__Output {
  'splitKey': (Buffer);
}
