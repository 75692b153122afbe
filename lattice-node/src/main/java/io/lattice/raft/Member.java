package io.lattice.raft;

import java.util.Objects;

/**
 * One server of a {@link Membership}. The core reads only the id and the flags; the address is
 * carried so that every server learns how to reach the others from the log itself.
 *
 * @param voter whether it votes and counts toward commit; otherwise a learner
 * @param autoPromote for a learner: promote it to voter once it has caught up (dissertation §4.2.1)
 */
public record Member(String id, String address, boolean voter, boolean autoPromote) {
  public Member {
    Objects.requireNonNull(id, "id");
    address = address == null ? "" : address;
    if (id.isEmpty()) {
      throw new IllegalArgumentException("member id must not be empty");
    }
    if (voter) {
      autoPromote = false;
    }
  }

  public static Member voter(String id, String address) {
    return new Member(id, address, true, false);
  }

  public static Member learner(String id, String address, boolean autoPromote) {
    return new Member(id, address, false, autoPromote);
  }

  Member promoted() {
    return new Member(id, address, true, false);
  }
}
