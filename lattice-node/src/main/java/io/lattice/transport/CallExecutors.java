package io.lattice.transport;

import io.lattice.util.DaemonThreads;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executors that run gRPC's call callbacks (a server's handlers, a channel's response
 * listeners) in place of gRPC's default, an unbounded cached pool.
 *
 * <p>Why: the default pool starts a thread whenever a callback finds no idle one. On a loaded
 * machine callbacks run late, so a leader under 256 requests in flight grew to about 60 such
 * threads: each one a stack in resident memory and one more runnable thread for the cores, for
 * callbacks that only decode a message and hand it to the node's loop (or encode an answer).
 *
 * <p>Contract: a pool of at most {@code max(2, processors)} daemon threads, which go away after
 * 30 s idle; its queue is unbounded, because what can be queued is already bounded upstream (the
 * listener's connection and per-connection stream limits, HTTP/2 flow control, the peer streams'
 * in-flight window), and a refused callback would break gRPC's call state. Callbacks run on it
 * must not block for long: the ones that touch the disk (a received snapshot's chunks) hold one
 * thread, never all of them.
 */
public final class CallExecutors {
  private CallExecutors() {}

  /** A new bounded pool whose threads are named {@code name-1}, {@code name-2}, .... */
  public static ThreadPoolExecutor create(String name) {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.numbered(name));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
