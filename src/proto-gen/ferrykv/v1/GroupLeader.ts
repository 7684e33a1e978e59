// Original file: proto/ferrykv.proto


export interface GroupLeader {
  'groupId'?: (number);
  'nodeId'?: (number);
  'address'?: (string);
}

export interface GroupLeader__Output {
  'groupId': (number);
  'nodeId': (number);
  'address': (string);
}
