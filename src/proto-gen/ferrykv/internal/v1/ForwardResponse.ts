// Original file: proto/internal.proto


export interface ForwardResponse {
  'response'?: (Buffer | Uint8Array | string);
  'error'?: (Buffer | Uint8Array | string);
}

export interface ForwardResponse__Output {
  'response': (Buffer);
  'error': (Buffer);
}
