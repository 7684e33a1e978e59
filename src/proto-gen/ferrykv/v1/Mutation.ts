// Original file: proto/ferrykv.proto


// Original file: proto/ferrykv.proto

export const _ferrykv_v1_Mutation_Op = {
  PUT: 'PUT',
  DELETE: 'DELETE',
} as const;

export type _ferrykv_v1_Mutation_Op =
  | 'PUT'
  | 0
  | 'DELETE'
  | 1

export type _ferrykv_v1_Mutation_Op__Output = typeof _ferrykv_v1_Mutation_Op[keyof typeof _ferrykv_v1_Mutation_Op]

export interface Mutation {
  'op'?: (_ferrykv_v1_Mutation_Op);
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
}

export interface Mutation__Output {
  'op': (_ferrykv_v1_Mutation_Op__Output);
  'key': (Buffer);
  'value': (Buffer);
}
