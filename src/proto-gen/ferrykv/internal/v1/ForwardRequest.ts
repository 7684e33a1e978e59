// Original file: proto/internal.proto


export interface ForwardRequest {
  'groupId'?: (number);
  'method'?: (string);
  'request'?: (Buffer | Uint8Array | string);
  'hops'?: (number);
}

export interface ForwardRequest__Output {
  'groupId': (number);
  'method': (string);
  'request': (Buffer);
  'hops': (number);
}
