package io.lattice.node;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The bounded pool where a running node's view queries (reads, ranges) and state hashes run, off
 * the loop thread ({@link NodeRequests#setQueryExecutor}): a fixed number of daemon threads and a
 * bounded queue; a query it cannot queue is refused (the read fails with OVERLOADED) rather than
 * held in memory. Queries only read immutable views, so at shutdown the queued ones are still run
 * (their clients get an answer) and nothing waits for them.
 */
final class QueryExecutor {
  /** Queries queued beyond the running ones before new ones are refused. */
  static final int MAX_QUEUED = 1024;

  private QueryExecutor() {}

  /** A pool of as many threads as there are processors (at least two), named after {@code id}. */
  static ThreadPoolExecutor create(String id) {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
          Thread t = new Thread(r, "lattice-query-" + id);
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
