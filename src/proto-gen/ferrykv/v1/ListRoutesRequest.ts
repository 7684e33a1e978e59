// Original file: proto/ferrykv.proto


export interface ListRoutesRequest {
  'local'?: (boolean);
}

export interface ListRoutesRequest__Output {
  'local': (boolean);
}
