// Original file: proto/etcd/etcd.proto


export interface LeaseLeasesRequest {
}

export interface LeaseLeasesRequest__Output {
}
