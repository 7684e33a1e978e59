// Original file: proto/internal.proto


export interface OwnedInterval {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'state'?: (string);
}

export interface OwnedInterval__Output {
  'start': (Buffer);
  'end': (Buffer);
  'state': (string);
}
