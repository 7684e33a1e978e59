// Original file: proto/ferrykv.proto

export const Isolation = {
  SNAPSHOT: 'SNAPSHOT',
  SERIALIZABLE: 'SERIALIZABLE',
} as const;

export type Isolation =
  | 'SNAPSHOT'
  | 0
  | 'SERIALIZABLE'
  | 1

export type Isolation__Output = typeof Isolation[keyof typeof Isolation]
