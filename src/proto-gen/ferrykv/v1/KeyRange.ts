// Original file: proto/ferrykv.proto


export interface KeyRange {
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
}

export interface KeyRange__Output {
  'start': (Buffer);
  'end': (Buffer);
}
