package io.lattice.cli.shell;

import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.MemberInfo;
import java.time.Duration;
import java.util.List;

/**
 * The member ids for tab completion, fetched with the shell's client and cached for a few seconds
 * so that repeated TABs do not each cost a round trip. An unreachable cluster gives no ids.
 */
final class MemberIds {
  private static final long TTL_NANOS = Duration.ofSeconds(5).toNanos();

  private final LatticeClient client;
  private List<String> cached = List.of();
  private long fetchedAt;
  private boolean fetched;

  MemberIds(LatticeClient client) {
    this.client = client;
  }

  synchronized List<String> get() {
    long now = System.nanoTime();
    if (!fetched || now - fetchedAt > TTL_NANOS) {
      try {
        cached = client.memberList().getMembersList().stream().map(MemberInfo::getId).toList();
      } catch (RuntimeException e) {
        cached = List.of(); // completion must never fail the line being edited
      }
      fetched = true;
      fetchedAt = now;
    }
    return cached;
  }
}
