package io.lattice.server;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --initial-cluster} value of {@code lattice-node} and {@code lattice-node restore}. */
final class InitialCluster {
  private InitialCluster() {}

  /** Parses {@code id=host:port,id=host:port}; IllegalArgumentException says what is wrong. */
  static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IllegalArgumentException(
            "--initial-cluster: '" + p + "' is not id=host:port "
                + "(expected e.g. n1=127.0.0.1:7001,n2=127.0.0.1:7002)");
      }
      String member = p.substring(0, eq).trim();
      String address = p.substring(eq + 1).trim();
      try {
        NodeServer.parseHostPort(address);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--initial-cluster: member " + member + ": " + e.getMessage());
      }
      if (out.put(member, address) != null) {
        throw new IllegalArgumentException(
            "--initial-cluster: member " + member + " appears twice");
      }
    }
    return out;
  }
}
