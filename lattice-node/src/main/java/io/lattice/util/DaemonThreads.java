package io.lattice.util;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for the node's helper pools. Every thread a node starts besides its loop is a
 * daemon, so that a JVM whose node has stopped (or failed to start) is never kept alive by an idle
 * pool; and every one is named, so that a thread dump says whose it is.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads all named {@code name} (for a pool of one, or threads that need no number). */
  public static ThreadFactory named(String name) {
    return r -> daemon(r, name);
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... in the order they start. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(r, prefix + "-" + n.incrementAndGet());
  }

  /** A new, not yet started daemon thread named {@code name} running {@code r}. */
  public static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
