package io.lattice.transport;

import org.slf4j.Logger;

/**
 * A warning log that a misbehaving or hostile peer cannot flood: at most {@code burst} one-line
 * warnings per {@code periodNanos}; the rest are counted, and the next line that gets through says
 * how many were suppressed. Thread-safe.
 */
final class RateLimitedLog {
  private final Logger log;
  private final int burst;
  private final long periodNanos;
  private long windowStart = System.nanoTime();
  private int inWindow;
  private long suppressed;

  RateLimitedLog(Logger log, int burst, long periodNanos) {
    this.log = log;
    this.burst = burst;
    this.periodNanos = periodNanos;
  }

  /** Logs {@code message} (one line, no stack trace) unless the limit is reached. */
  void warn(String message) {
    long skipped;
    synchronized (this) {
      long now = System.nanoTime();
      if (now - windowStart >= periodNanos) {
        windowStart = now;
        inWindow = 0;
      }
      if (inWindow >= burst) {
        suppressed++;
        return;
      }
      inWindow++;
      skipped = suppressed;
      suppressed = 0;
    }
    if (skipped > 0) {
      log.warn("{} ({} similar messages suppressed)", oneLine(message), skipped);
    } else {
      log.warn("{}", oneLine(message));
    }
  }

  private static String oneLine(String s) {
    String t = s.replace('\n', ' ').replace('\r', ' ');
    return t.length() > 500 ? t.substring(0, 500) + "..." : t;
  }
}
