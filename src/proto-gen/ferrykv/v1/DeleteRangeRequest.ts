// Original file: proto/ferrykv.proto


export interface DeleteRangeRequest {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface DeleteRangeRequest__Output {
  'start': (Buffer);
  'end': (Buffer);
  'requestId': (Buffer);
}
