// Original file: proto/internal.proto


export interface IdentifyResponse {
  'clusterId'?: (string);
  'nodeId'?: (number);
  'storeId'?: (Buffer | Uint8Array | string);
  'knownStore'?: (Buffer | Uint8Array | string);
}

export interface IdentifyResponse__Output {
  'clusterId': (string);
  'nodeId': (number);
  'storeId': (Buffer);
  'knownStore': (Buffer);
}
