// Original file: proto/admin.proto


export interface PromoteMemberRequest {
  'groupId'?: (number);
  'nodeId'?: (number);
}

export interface PromoteMemberRequest__Output {
  'groupId': (number);
  'nodeId': (number);
}
