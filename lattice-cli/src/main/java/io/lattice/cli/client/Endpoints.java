package io.lattice.cli.client;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Parses and checks the {@code host:port,host:port} endpoint list. */
public final class Endpoints {
  private Endpoints() {}

  /**
   * The distinct endpoints of {@code text}, in order.
   *
   * @throws IllegalArgumentException naming the first malformed entry
   */
  public static List<String> parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no endpoints given (expected host:port,...)");
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      check(p);
      out.add(p);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no endpoints given (expected host:port,...)");
    }
    return List.copyOf(new ArrayList<>(out));
  }

  /** Throws IllegalArgumentException unless {@code address} is {@code host:port}. */
  public static void check(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("'" + address + "' is not host:port");
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + address + "': the port is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + address + "': the port must be in 1..65535");
    }
  }

  /** The host of a checked {@code host:port} (an IPv6 host without its brackets). */
  public static String host(String address) {
    String h = address.substring(0, address.lastIndexOf(':'));
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
