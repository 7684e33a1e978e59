// Original file: proto/ferrykv.proto


export interface PutRequest {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface PutRequest__Output {
  'key': (Buffer);
  'value': (Buffer);
  'requestId': (Buffer);
}
