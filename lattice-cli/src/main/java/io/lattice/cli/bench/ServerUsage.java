package io.lattice.cli.bench;

import io.lattice.proto.v1.StatusResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The CPU time and memory of the members a bench can see, over its measured phase: each member's
 * Status (its process CPU seconds, resident memory and threads) is read when the phase starts and
 * when it ends, and the report gives the CPU each member used in between, its resident memory and
 * threads at the end, and the total CPU per operation. A member that does not answer either time
 * is left out (and named in {@link Result#unreachable()}).
 */
public final class ServerUsage implements MeasuredPhase {
  private final List<String> addresses;
  private final Function<String, StatusResponse> status;
  private final Map<String, StatusResponse> before = new LinkedHashMap<>();
  private final Map<String, StatusResponse> after = new LinkedHashMap<>();
  private long startNanos;
  private long endNanos;

  /** What one member used over the measured phase. */
  public record Member(String id, String address, double cpuSeconds, long residentBytes,
      int threads) {}

  /**
   * @param members every member, in order
   * @param unreachable the addresses that did not answer at the start or at the end
   * @param seconds the wall-clock time between the two readings
   */
  public record Result(List<Member> members, List<String> unreachable, double seconds) {
    /** CPU seconds of all the members together. */
    public double cpuSeconds() {
      return members.stream().mapToDouble(Member::cpuSeconds).sum();
    }

    /** Milliseconds of member CPU per operation; 0 with no operation. */
    public double cpuMillisPerOp(long ops) {
      return ops == 0 ? 0 : cpuSeconds() * 1000 / ops;
    }
  }

  /**
   * @param addresses the client addresses of the members
   * @param status reads one member's status (throws when it does not answer)
   */
  public ServerUsage(List<String> addresses, Function<String, StatusResponse> status) {
    this.addresses = List.copyOf(addresses);
    this.status = status;
  }

  @Override
  public void measure(boolean on) {
    if (on) {
      startNanos = System.nanoTime();
    } else {
      endNanos = System.nanoTime();
    }
    Map<String, StatusResponse> into = on ? before : after;
    for (String a : addresses) {
      try {
        into.put(a, status.apply(a));
      } catch (RuntimeException e) {
        // unreachable now: left out of the result
      }
    }
  }

  /** The figures, once the phase has ended. */
  public Result result() {
    List<Member> members = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (String a : addresses) {
      StatusResponse s0 = before.get(a);
      StatusResponse s1 = after.get(a);
      if (s0 == null || s1 == null || !s0.getMemberId().equals(s1.getMemberId())) {
        unreachable.add(a);
        continue;
      }
      members.add(new Member(s1.getMemberId(), a,
          Math.max(0, s1.getProcessCpuSeconds() - s0.getProcessCpuSeconds()),
          s1.getResidentMemoryBytes(), s1.getProcessThreads()));
    }
    return new Result(members, unreachable, (endNanos - startNanos) / 1e9);
  }
}
