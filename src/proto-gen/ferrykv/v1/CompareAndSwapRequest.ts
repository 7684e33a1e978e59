// Original file: proto/ferrykv.proto


export interface CompareAndSwapRequest {
  'key'?: (Buffer | Uint8Array | string);
  'expected'?: (Buffer | Uint8Array | string);
  'expectAbsent'?: (boolean);
  'value'?: (Buffer | Uint8Array | string);
  'requestId'?: (Buffer | Uint8Array | string);
}

export interface CompareAndSwapRequest__Output {
  'key': (Buffer);
  'expected': (Buffer);
  'expectAbsent': (boolean);
  'value': (Buffer);
  'requestId': (Buffer);
}
