// Original file: proto/admin.proto


export interface PeerStatus {
  'nodeId'?: (number);
  'address'?: (string);
  'connected'?: (boolean);
  'live'?: (boolean);
}

export interface PeerStatus__Output {
  'nodeId': (number);
  'address': (string);
  'connected': (boolean);
  'live': (boolean);
}
