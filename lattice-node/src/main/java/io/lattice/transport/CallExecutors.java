package io.lattice.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.lattice.util.DaemonThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Where the listeners run gRPC's call callbacks: inline on the Netty thread for the calls that
 * only hand to the node ({@link #inlineOr}), and on a bounded pool ({@link #create}) for the rest,
 * in place of gRPC's default, an unbounded cached pool. (Channels run their response callbacks
 * inline: see {@code PeerChannel}.)
 *
 * <p>Why: the default pool starts a thread whenever a callback finds no idle one. On a loaded
 * machine callbacks run late, so a leader under 256 requests in flight grew to about 60 such
 * threads: each one a stack in resident memory and one more runnable thread for the cores, for
 * callbacks that only decode a message and hand it to the node's loop (or encode an answer).
 *
 * <p>Contract of {@link #create}: a pool of at most {@code max(2, processors)} daemon threads,
 * which go away after 30 s idle; its queue is unbounded, because what can be queued is already
 * bounded upstream (the listener's connection and per-connection stream limits, HTTP/2 flow
 * control, the peer streams' in-flight window), and a refused callback would break gRPC's call
 * state. Callbacks run on it must not block for long: the ones that touch the disk (a received
 * snapshot's chunks) hold one thread, never all of them.
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

  /**
   * For a listener built with {@code directExecutor()}: runs the callbacks of the methods {@code
   * inline} accepts (full method names, {@code "lattice.v1.KV/Put"}) on the Netty thread that read
   * the call, and those of every other method on {@code pool}.
   *
   * <p>Why: a hop to a pool thread costs every call a thread wake-up, on each member a write
   * crosses, and at one request in flight those wake-ups are a large part of a write's latency.
   * The methods run inline must only decode, check and hand to the node (whose inbox and request
   * methods never block) or to another executor; whatever may block (disk, a streamed backup, a
   * call that waits) belongs on the pool, because a blocked Netty thread stalls every connection
   * it serves. gRPC looks the method up on the listener's executor, so with a direct one nothing
   * leaves the Netty thread before this choice is made.
   */
  public static ServerCallExecutorSupplier inlineOr(Predicate<String> inline, Executor pool) {
    return new ServerCallExecutorSupplier() {
      @Override
      public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
        return inline.test(call.getMethodDescriptor().getFullMethodName()) ? null : pool;
      }
    };
  }
}
