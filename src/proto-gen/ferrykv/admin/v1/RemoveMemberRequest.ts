// Original file: proto/admin.proto


export interface RemoveMemberRequest {
  'groupId'?: (number);
  'nodeId'?: (number);
}

export interface RemoveMemberRequest__Output {
  'groupId': (number);
  'nodeId': (number);
}
