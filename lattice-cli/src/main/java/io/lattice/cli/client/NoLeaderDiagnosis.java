package io.lattice.cli.client;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Why no leader could be reached, in the cluster's terms: asks every endpoint for its Status (at
 * once, within a short budget), then the configuration from a member that answered, then the
 * Status of the voters not asked yet, and says what the members that answered know: {@code n1 is
 * up but has no leader (2 of 3 voters unreachable, no quorum)}. When nothing answers, it names the
 * endpoints and how each failed ({@code connection refused}), never gRPC's own wording (that stays
 * in the cause, shown with {@code -v}).
 */
final class NoLeaderDiagnosis {
  /** The most the diagnosis adds to a call that has already timed out. */
  static final Duration BUDGET = Duration.ofSeconds(1);

  private final Router router;
  private final long deadline;
  private final Map<String, StatusResponse> answered = new LinkedHashMap<>();
  private final Map<String, String> failed = new LinkedHashMap<>();

  private NoLeaderDiagnosis(Router router, Duration budget) {
    this.router = router;
    this.deadline = System.nanoTime() + budget.toNanos();
  }

  /** The explanation, within {@code budget}; never throws. */
  static String explain(Router router, Duration budget) {
    try {
      return new NoLeaderDiagnosis(router, budget).run();
    } catch (ClientException e) {
      throw e; // cancelled
    } catch (RuntimeException e) {
      return "no leader could be found";
    }
  }

  private String run() {
    ask(router.endpoints());
    if (answered.isEmpty()) {
      List<String> why = new ArrayList<>();
      failed.forEach((address, error) -> why.add(address + ": " + error));
      return "no endpoint answers: " + String.join("; ", why);
    }
    List<MemberInfo> voters = voters();
    Set<String> more = new LinkedHashSet<>();
    for (MemberInfo m : voters) {
      if (!m.getAddress().isEmpty() && !answered.containsKey(m.getAddress())
          && !failed.containsKey(m.getAddress())) {
        more.add(m.getAddress());
      }
    }
    ask(new ArrayList<>(more));
    Map<String, StatusResponse> byId = new LinkedHashMap<>();
    for (StatusResponse s : answered.values()) {
      byId.put(s.getMemberId(), s);
    }
    List<String> says = new ArrayList<>();
    for (StatusResponse s : byId.values()) {
      says.add(describe(s, byId));
    }
    String text = String.join("; ", says);
    if (voters.isEmpty()) {
      return text;
    }
    int up = 0;
    for (MemberInfo m : voters) {
      if (byId.containsKey(m.getId())) {
        up++;
      }
    }
    int down = voters.size() - up;
    int quorum = voters.size() / 2 + 1;
    String count = down == 0 ? "all " + voters.size() + " voters up"
        : down + " of " + voters.size() + " voters unreachable";
    return text + " (" + count + (up < quorum ? ", no quorum" : "") + ")";
  }

  private static String describe(StatusResponse s, Map<String, StatusResponse> byId) {
    String id = s.getMemberId();
    if (s.getRole() == Role.LEADER) {
      return id + " is up and leads term " + s.getTerm();
    }
    if (s.getLeaderId().isEmpty()) {
      return id + " is up but has no leader";
    }
    String leader = s.getLeaderId();
    return id + " is up and follows " + leader + (byId.containsKey(leader) ? ""
        : ", which does not answer" + (s.getLeaderAddress().isEmpty() ? ""
            : " at " + s.getLeaderAddress()));
  }

  /** The voters, as the first member that answered lists them; empty if it cannot. */
  private List<MemberInfo> voters() {
    for (String address : answered.keySet()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        MemberListResponse r = ClusterGrpc.newBlockingStub(router.channel(address))
            .withDeadlineAfter(left, TimeUnit.NANOSECONDS)
            .memberList(MemberListRequest.getDefaultInstance());
        List<MemberInfo> voters = new ArrayList<>();
        for (MemberInfo m : r.getMembersList()) {
          if (!m.getIsLearner()) {
            voters.add(m);
          }
        }
        return voters;
      } catch (StatusRuntimeException e) {
        // ask the next one
      }
    }
    return List.of();
  }

  /** Asks every address in {@code addresses} for its Status at once; waits for all. */
  private void ask(List<String> addresses) {
    Map<String, ListenableFuture<StatusResponse>> pending = new LinkedHashMap<>();
    for (String address : addresses) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        failed.put(address, "not asked (no time left)");
        continue;
      }
      pending.put(address, ClusterGrpc.newFutureStub(router.channel(address))
          .withDeadlineAfter(left, TimeUnit.NANOSECONDS)
          .status(StatusRequest.getDefaultInstance()));
    }
    pending.forEach((address, f) -> {
      try {
        answered.put(address, f.get(Math.max(1, deadline - System.nanoTime()) + 50_000_000L,
            TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        failed.put(address, e.getCause() instanceof StatusRuntimeException sre
            ? RpcError.of(sre).message() : String.valueOf(e.getCause()));
      } catch (TimeoutException e) {
        f.cancel(true);
        failed.put(address, "no answer");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClientException(ClientException.Outcome.CANCELLED, "cancelled", e);
      }
    });
  }
}
