// Original file: proto/internal.proto


export interface GroupCommandResponse {
  'result'?: (Buffer | Uint8Array | string);
  'error'?: (Buffer | Uint8Array | string);
}

export interface GroupCommandResponse__Output {
  'result': (Buffer);
  'error': (Buffer);
}
