// Original file: proto/ferrykv.proto


export interface DeleteRequest {
  'key'?: (Buffer | Uint8Array | string);
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface DeleteRequest__Output {
  'key': (Buffer);
  'requestId': (Buffer);
}
