import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Leader failover as a client sees it: the time from kill -9 of the leader to the first
 * acknowledged write. Run as a single-file program with a distribution's jars on the class path:
 *
 * <pre>java -cp 'DIST/lib/*' dist/bench/Failover.java ID=HOST:PORT=PID ...</pre>
 *
 * <p>It finds the leader with Cluster/Status, writes for two seconds (one put in flight) so every
 * path is warm, kills the leader's process (SIGKILL), then sends puts round-robin to the other
 * members, each with a 250 ms deadline, until one is acknowledged. It prints one JSON line with
 * the milliseconds from the kill to that acknowledgement. Plaintext only; loopback addresses.
 */
public final class Failover {
  public static void main(String[] args) throws Exception {
    Map<String, String> address = new LinkedHashMap<>();
    Map<String, Long> pid = new LinkedHashMap<>();
    Map<String, ManagedChannel> channel = new LinkedHashMap<>();
    for (String a : args) {
      String[] p = a.split("=");
      address.put(p[0], p[1]);
      pid.put(p[0], Long.parseLong(p[2]));
      channel.put(p[0], ManagedChannelBuilder.forTarget(p[1]).usePlaintext().build());
    }
    String leader = null;
    for (String id : address.keySet()) {
      try {
        StatusResponse s = ClusterGrpc.newBlockingStub(channel.get(id))
            .withDeadlineAfter(2, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
        if (!s.getLeaderId().isEmpty()) {
          leader = s.getLeaderId();
          break;
        }
      } catch (RuntimeException e) {
        // try the next member
      }
    }
    if (leader == null || !pid.containsKey(leader)) {
      System.out.println("{\"error\":\"no leader\"}");
      System.exit(1);
    }
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    int n = 0;
    while (System.nanoTime() < warmEnd) {
      put(channel.get(leader), n++, 2000);
    }
    List<String> survivors = new ArrayList<>(address.keySet());
    survivors.remove(leader);
    ProcessHandle.of(pid.get(leader)).orElseThrow().destroyForcibly();
    long killed = System.nanoTime();
    int attempts = 0;
    for (int i = 0; ; i++) {
      attempts++;
      if (put(channel.get(survivors.get(i % survivors.size())), n++, 250)) {
        break;
      }
      if (System.nanoTime() - killed > TimeUnit.SECONDS.toNanos(30)) {
        System.out.println("{\"error\":\"no write acknowledged within 30 s\"}");
        System.exit(1);
      }
      Thread.sleep(2);
    }
    double ms = (System.nanoTime() - killed) / 1e6;
    System.out.printf("{\"killed\":\"%s\",\"warm_puts\":%d,\"attempts\":%d,\"failover_ms\":%.1f}%n",
        leader, n - attempts, attempts, ms);
    for (ManagedChannel c : channel.values()) {
      c.shutdownNow();
    }
  }

  private static boolean put(ManagedChannel c, int n, long deadlineMs) {
    try {
      KVGrpc.newBlockingStub(c).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
          .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("failover-" + (n % 100)))
              .setValue(ByteString.copyFromUtf8("v" + n)).build());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
