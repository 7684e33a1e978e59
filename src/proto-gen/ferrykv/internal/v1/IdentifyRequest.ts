// Original file: proto/internal.proto


export interface IdentifyRequest {
  'fromNode'?: (number);
  'clusterId'?: (string);
}

export interface IdentifyRequest__Output {
  'fromNode': (number);
  'clusterId': (string);
}
