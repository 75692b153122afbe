package io.lattice.node;

import io.lattice.util.DaemonThreads;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The bounded pools where a running node's view queries (reads, ranges) and state hashes run, off
 * the loop thread ({@link NodeRequests#setQueryExecutors}), one per {@link QueryLane}: a fixed
 * number of daemon threads and a bounded queue each; a query it cannot queue is refused (the read fails with OVERLOADED) rather than
 * held in memory. Queries only read immutable views, so at shutdown the queued ones are still run
 * (their clients get an answer) and nothing waits for them.
 */
final class QueryExecutor {
  /** Queries queued beyond the running ones before new ones are refused. */
  static final int MAX_QUEUED = 1024;

  private QueryExecutor() {}

  /**
   * The pool of {@code lane} for node {@code id}: for {@link QueryLane#POINT} as many threads as
   * there are processors (at least two), for {@link QueryLane#SCAN} half of them (at least one).
   */
  static ThreadPoolExecutor create(String id, QueryLane lane) {
    int processors = Runtime.getRuntime().availableProcessors();
    int threads = lane == QueryLane.POINT ? Math.max(2, processors) : Math.max(1, processors / 2);
    String name = lane == QueryLane.POINT ? "lattice-query-" + id : "lattice-scan-" + id;
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(MAX_QUEUED), DaemonThreads.named(name),
        new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
