package io.lattice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports on 127.0.0.1 for servers that tests start later, chosen outside the kernel's
 * ephemeral range.
 *
 * <p>Why not {@code new ServerSocket(0)}: that port comes from the ephemeral range, the same range
 * the kernel takes the local ports of outgoing connections from. A member that starts first dials
 * its peers before they listen, again and again; a dial to 127.0.0.1:P whose local port happens to
 * be P connects to itself (TCP simultaneous open) and holds P, so the peer that was to listen there
 * fails to bind. Outside the ephemeral range no outgoing connection takes the port. A port is
 * handed out once per JVM, so two picks made before either server binds never collide.
 */
public final class LoopbackPorts {
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private LoopbackPorts() {}

  /** A port that 127.0.0.1 could bind just now, outside the ephemeral range. */
  public static int free() {
    return freeBase(0);
  }

  /**
   * A base port b such that 127.0.0.1 could bind b + o just now for every o of {@code offsets}
   * (none negative), all of them outside the ephemeral range: for a script that numbers its ports
   * from one base. Each of those ports is handed out once per JVM.
   */
  public static int freeBase(int... offsets) {
    int span = 0;
    for (int o : offsets) {
      span = Math.max(span, o);
    }
    int[] ephemeral = ephemeralRange();
    int lo = 10_000;
    int hi = ephemeral[0] - span; // exclusive
    if (hi - lo < 1_000) { // little room below it: above it
      lo = ephemeral[1] + 1;
      hi = 65_536 - span;
    }
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int base = lo + ThreadLocalRandom.current().nextInt(hi - lo);
      if (allBind(base, offsets)) {
        return base;
      }
    }
    throw new UncheckedIOException(new IOException("no free ports on 127.0.0.1 in [" + lo + ", "
        + (hi + span) + ")"));
  }

  private static boolean allBind(int base, int[] offsets) {
    for (int o : offsets) {
      if (HANDED_OUT.contains(base + o) || !binds(base + o)) {
        return false;
      }
    }
    for (int o : offsets) {
      if (!HANDED_OUT.add(base + o)) { // taken by another thread meanwhile
        return false;
      }
    }
    return true;
  }

  private static boolean binds(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false; // in use
    }
  }

  /** The kernel's ephemeral port range (Linux), else the IANA one. */
  private static int[] ephemeralRange() {
    try {
      String[] r = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
          .split("\\s+");
      return new int[] {Integer.parseInt(r[0]), Integer.parseInt(r[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {49_152, 65_535};
    }
  }
}
