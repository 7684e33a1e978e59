// Original file: proto/admin.proto


export interface PeerFault {
  'nodeId'?: (number);
  'drop'?: (number | string);
  'delayMs'?: (number);
}

export interface PeerFault__Output {
  'nodeId': (number);
  'drop': (number);
  'delayMs': (number);
}
