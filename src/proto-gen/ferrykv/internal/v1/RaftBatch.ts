// Original file: proto/internal.proto


export interface RaftBatch {
  'fromNode'?: (number);
  'messages'?: (Buffer | Uint8Array | string)[];
}

export interface RaftBatch__Output {
  'fromNode': (number);
  'messages': (Buffer)[];
}
