package io.lattice.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting TCP proxy for the peer traffic of {@link NodeProcess}es, on 127.0.0.1.
 *
 * <p>Each member gets its own listening port and is started with that port as its JVM's HTTPS
 * proxy ({@code -Dhttps.proxyHost/-Dhttps.proxyPort}, with loopback not exempted), which gRPC
 * honours: every connection a member's peer transport opens arrives here as an HTTP CONNECT for
 * the peer's real address. The listening port names the member that dials, the CONNECT target the
 * member dialled, so each connection belongs to one directed link, and the membership and the
 * nodes' flags stay exactly as in production. Clients of the test talk to the members directly.
 *
 * <p>Per directed link ({@code from} dials {@code to}):
 *
 * <ul>
 *   <li>{@link Mode#OPEN}: bytes are forwarded both ways.
 *   <li>{@link Mode#DROP}: the link's connections are cut (reset) now, and new ones are reset at
 *       once: the peer looks down.
 *   <li>{@link Mode#BLACKHOLE}: connections stay up and new ones are accepted, but nothing is
 *       forwarded either way (bytes are read and thrown away; a new connection gets no answer to
 *       its CONNECT). A connection that lost bytes cannot resume, so {@link #heal} cuts it.
 * </ul>
 *
 * {@link #cut} resets the connections of a member once without changing any mode. Threads: one
 * acceptor per member, two per proxied connection, from a bounded pool (a connection beyond the
 * bound is reset). {@link #close} stops everything.
 */
final class FaultProxy implements AutoCloseable {
  enum Mode { OPEN, DROP, BLACKHOLE }

  private static final int MAX_THREADS = 256;
  private static final int HEADER_LIMIT = 8192;
  private static final int CONNECT_TIMEOUT_MILLIS = 1000;
  private static final byte[] ESTABLISHED =
      "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BAD_GATEWAY =
      "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  record Link(String from, String to) {}

  private final Map<String, ServerSocket> listeners = new ConcurrentHashMap<>();
  /** Real peer address ("127.0.0.1:port") to member id. */
  private final Map<String, String> members = new ConcurrentHashMap<>();
  private final Map<Link, Mode> modes = new ConcurrentHashMap<>();
  private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threadIds = new AtomicInteger();
  private final ThreadPoolExecutor pool = new ThreadPoolExecutor(0, MAX_THREADS, 10,
      TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "fault-proxy-" + threadIds.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
  private volatile boolean closed;

  /** One proxied (or held) connection of a link. */
  private final class Conn {
    final Link link;
    final Socket client;
    volatile Socket upstream;
    /** Bytes were thrown away: the stream cannot resume. */
    volatile boolean lostBytes;

    Conn(Link link, Socket client) {
      this.link = link;
      this.client = client;
    }

    void reset() {
      conns.remove(this);
      resetQuietly(client);
      Socket u = upstream;
      if (u != null) {
        resetQuietly(u);
      }
    }
  }

  /** Starts a listener for connections dialled by {@code member}; returns its port. */
  synchronized int listenFor(String member) throws IOException {
    if (listeners.containsKey(member)) {
      return listeners.get(member).getLocalPort();
    }
    ServerSocket s = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    listeners.put(member, s);
    Thread acceptor = new Thread(() -> acceptLoop(member, s), "fault-proxy-accept-" + member);
    acceptor.setDaemon(true);
    acceptor.start();
    return s.getLocalPort();
  }

  /** The JVM flags that make {@code member}'s gRPC channels dial through this proxy. */
  List<String> jvmArgsFor(String member) throws IOException {
    int port = listenFor(member);
    return List.of("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=" + port,
        "-Dhttp.nonProxyHosts=");
  }

  /** Tells the proxy that {@code address} (host:port, as members dial it) is {@code member}. */
  void register(String member, String address) {
    members.put(address, member);
  }

  Mode mode(String from, String to) {
    return modes.getOrDefault(new Link(from, to), Mode.OPEN);
  }

  /** Sets the mode of the directed link {@code from} → {@code to}. */
  void set(String from, String to, Mode mode) {
    Link link = new Link(from, to);
    Mode before = modes.put(link, mode);
    if (mode == Mode.DROP) {
      for (Conn c : conns) {
        if (c.link.equals(link)) {
          c.reset();
        }
      }
    } else if (mode == Mode.OPEN && before == Mode.BLACKHOLE) {
      for (Conn c : conns) {
        if (c.link.equals(link) && (c.lostBytes || c.upstream == null)) {
          c.reset(); // lost bytes, or a CONNECT left unanswered: cannot resume
        }
      }
    }
  }

  /** Puts every link from and to {@code member} (among {@code all}) in {@code mode}. */
  void isolate(String member, List<String> all, Mode mode) {
    for (String other : all) {
      if (!other.equals(member)) {
        set(member, other, mode);
        set(other, member, mode);
      }
    }
  }

  /** Every link open again (connections that lost bytes are cut). */
  void heal() {
    for (Link l : new ArrayList<>(modes.keySet())) {
      set(l.from(), l.to(), Mode.OPEN);
    }
    modes.clear();
  }

  /** Resets the current connections from and to {@code member}, once (modes unchanged). */
  void cut(String member) {
    for (Conn c : conns) {
      if (c.link.from().equals(member) || c.link.to().equals(member)) {
        c.reset();
      }
    }
  }

  /** Open connections (for diagnostics). */
  int connections() {
    return conns.size();
  }

  private void acceptLoop(String from, ServerSocket server) {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        pool.execute(() -> handle(from, s));
      } catch (RejectedExecutionException e) {
        resetQuietly(s); // over the thread bound
      }
    }
  }

  private void handle(String from, Socket client) {
    Conn conn = null;
    try {
      client.setTcpNoDelay(true);
      client.setSoTimeout(5000);
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      String target = readConnect(client.getInputStream(), head);
      if (target == null) {
        client.getOutputStream().write(BAD_GATEWAY);
        resetQuietly(client);
        return;
      }
      client.setSoTimeout(0);
      Link link = new Link(from, members.getOrDefault(target, target));
      conn = new Conn(link, client);
      conns.add(conn);
      if (closed) {
        conn.reset();
        return;
      }
      Mode m = modes.getOrDefault(link, Mode.OPEN);
      if (m == Mode.DROP) {
        conn.reset();
        return;
      }
      if (m == Mode.BLACKHOLE) {
        discardUntilClosed(conn, client.getInputStream()); // no answer to the CONNECT
        return;
      }
      Socket up = new Socket();
      try {
        up.setTcpNoDelay(true);
        up.connect(parse(target), CONNECT_TIMEOUT_MILLIS);
      } catch (IOException e) {
        up.close();
        client.getOutputStream().write(BAD_GATEWAY);
        conn.reset();
        return;
      }
      conn.upstream = up;
      client.getOutputStream().write(ESTABLISHED);
      client.getOutputStream().flush();
      if (head.size() > 0) {
        up.getOutputStream().write(head.toByteArray());
      }
      Conn c = conn;
      try {
        pool.execute(() -> pump(c, up, client));
      } catch (RejectedExecutionException e) {
        conn.reset();
        return;
      }
      pump(conn, client, up);
    } catch (IOException | RuntimeException e) {
      if (conn != null) {
        conn.reset();
      } else {
        resetQuietly(client);
      }
    }
  }

  /**
   * Reads the CONNECT request; returns its target ("host:port"), or null if it is not one. Bytes
   * read past the header go to {@code rest}.
   */
  private static String readConnect(InputStream in, ByteArrayOutputStream rest)
      throws IOException {
    byte[] buf = new byte[HEADER_LIMIT];
    int n = 0;
    while (n < buf.length) {
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        return null;
      }
      n += r;
      String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        rest.write(buf, end + 4, n - end - 4);
        String first = text.substring(0, text.indexOf("\r\n"));
        String[] parts = first.split(" ");
        if (parts.length < 2 || !parts[0].equalsIgnoreCase("CONNECT")) {
          return null;
        }
        return parts[1];
      }
    }
    return null;
  }

  private static InetSocketAddress parse(String target) {
    int colon = target.lastIndexOf(':');
    String host = target.substring(0, colon);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1)));
  }

  private void pump(Conn conn, Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        Mode m = modes.getOrDefault(conn.link, Mode.OPEN);
        if (m == Mode.OPEN) {
          out.write(buf, 0, n);
        } else if (m == Mode.BLACKHOLE) {
          conn.lostBytes = true;
        } else {
          break;
        }
      }
    } catch (IOException e) {
      // reset by the other side, or by us
    }
    conn.reset();
  }

  private void discardUntilClosed(Conn conn, InputStream in) {
    byte[] buf = new byte[16 * 1024];
    try {
      while (in.read(buf) >= 0) {
        conn.lostBytes = true;
      }
    } catch (IOException e) {
      // reset
    }
    conn.reset();
  }

  private static void resetQuietly(Socket s) {
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0); // RST, like a cut cable or a dead host's kernel
      }
    } catch (SocketException e) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ServerSocket s : listeners.values()) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }
    for (Conn c : conns) {
      c.reset();
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
