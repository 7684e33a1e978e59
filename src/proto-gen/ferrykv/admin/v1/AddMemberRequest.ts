// Original file: proto/admin.proto


export interface AddMemberRequest {
  'groupId'?: (number);
  'nodeId'?: (number);
  'address'?: (string);
  'learner'?: (boolean);
}

export interface AddMemberRequest__Output {
  'groupId': (number);
  'nodeId': (number);
  'address': (string);
  'learner': (boolean);
}
