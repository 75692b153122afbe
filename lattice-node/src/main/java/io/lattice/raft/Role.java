package io.lattice.raft;

/** The role of a server in the Raft state machine (Raft §5.1, pre-vote from the dissertation §9.6). */
public enum Role {
  FOLLOWER,
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
