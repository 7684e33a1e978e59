// Original file: proto/admin.proto


export interface TransferLeaderRequest {
  'groupId'?: (number);
  'toNodeId'?: (number);
}

export interface TransferLeaderRequest__Output {
  'groupId': (number);
  'toNodeId': (number);
}
