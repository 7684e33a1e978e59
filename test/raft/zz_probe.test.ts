import { it } from 'vitest';
import { soloRaft, drain } from './helpers.js';
it('probe', () => {
  const { raft, storage } = soloRaft(1, [1], { preVote: false });
  console.log('initial term', raft.term, storage.initialState());
  raft.campaign();
  console.log('after campaign', raft.term, raft.role);
  drain(raft, storage);
  console.log('after drain', raft.term, raft.role);
});
