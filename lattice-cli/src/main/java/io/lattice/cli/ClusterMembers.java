package io.lattice.cli;

import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.MemberInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The members a command probes one by one ({@code endpoint health --cluster}, {@code hash},
 * {@code cluster verify}): as the first endpoint that answers lists them, or the endpoints
 * themselves when none does (then the id is not known: "?").
 */
final class ClusterMembers {
  private ClusterMembers() {}

  /** A member to probe: its id ("?" if not known) and client address ("" if not known yet). */
  record Member(String id, String address) {}

  /** Every member of the configuration, or the endpoints if no endpoint lists them. */
  static List<Member> of(LatticeClient client) {
    List<Member> out = new ArrayList<>();
    try {
      for (MemberInfo m : client.memberList().getMembersList()) {
        out.add(new Member(m.getId(), m.getAddress()));
      }
      return out;
    } catch (ClientException e) {
      if (e.outcome() == ClientException.Outcome.CANCELLED
          || e.outcome() == ClientException.Outcome.DENIED) {
        throw e;
      }
    }
    for (String address : client.endpoints()) {
      out.add(new Member("?", address));
    }
    return out;
  }

  /** The endpoints, as members whose id is not known yet. */
  static List<Member> endpoints(LatticeClient client) {
    List<Member> out = new ArrayList<>();
    for (String address : client.endpoints()) {
      out.add(new Member("?", address));
    }
    return out;
  }

  /** {@code probe} applied to every member at once (so one slow member delays no other). */
  static <T> List<T> each(List<Member> members, Function<Member, T> probe) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, members.size())),
        r -> {
          Thread t = new Thread(r, "lattice-probe");
          t.setDaemon(true);
          return t;
        });
    try {
      List<CompletableFuture<T>> futures = new ArrayList<>();
      for (Member m : members) {
        futures.add(CompletableFuture.supplyAsync(() -> probe.apply(m), pool));
      }
      List<T> out = new ArrayList<>();
      for (CompletableFuture<T> f : futures) {
        out.add(f.join());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
