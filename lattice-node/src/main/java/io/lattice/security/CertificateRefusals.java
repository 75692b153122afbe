package io.lattice.security;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused certificates: why, in plain words (expired, self-signed, from another CA, wrong host),
 * and a log of them that no client can flood (at most one line per second, with a count of the
 * ones left out).
 */
final class CertificateRefusals {
  private static final Logger log = LoggerFactory.getLogger(CertificateRefusals.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong count = new AtomicLong();
  private final AtomicLong nextLog = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong unlogged = new AtomicLong();
  private volatile String last = "";

  /** Counts and (rate-limited) logs one refusal. */
  void refused(String listener, String why) {
    count.incrementAndGet();
    last = why;
    long now = System.nanoTime();
    long next = nextLog.get();
    if ((next == Long.MIN_VALUE || now - next >= 0)
        && nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
      long skipped = unlogged.getAndSet(0);
      log.warn("{}: refused a TLS connection: {}{}", listener, why,
          skipped == 0 ? "" : " (" + skipped + " more refusals not logged)");
    } else {
      unlogged.incrementAndGet();
    }
  }

  /** Counts one refusal that its caller logs (rate-limited) itself. */
  void counted(String why) {
    count.incrementAndGet();
    last = why;
  }

  /** Refusals so far. */
  long count() {
    return count.get();
  }

  /** The reason of the latest refusal ("" if none). */
  String last() {
    return last;
  }

  /**
   * Why {@code chain} was refused against {@code cas} (from {@code source}), in plain words.
   *
   * @param e what the PKIX check said (used when no plainer reason is found)
   */
  static String describe(X509Certificate[] chain, List<X509Certificate> cas, String source,
      Exception e) {
    if (chain == null || chain.length == 0) {
      return "no certificate";
    }
    X509Certificate leaf = chain[0];
    String who = "certificate '" + leaf.getSubjectX500Principal().getName() + "'";
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException x) {
      return who + " expired on " + leaf.getNotAfter().toInstant();
    } catch (CertificateNotYetValidException x) {
      return who + " is not valid before " + leaf.getNotBefore().toInstant();
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No subject alternative") || message.contains("No name matching")) {
      return who + " is not valid for the host dialed: " + message;
    }
    boolean issuedByCa = false;
    for (X509Certificate ca : cas) {
      issuedByCa |= ca.getSubjectX500Principal().equals(chain[chain.length - 1]
          .getIssuerX500Principal());
    }
    if (!issuedByCa) {
      if (leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
        return who + " is self-signed, not issued by a CA in " + source;
      }
      return who + " was issued by '" + chain[chain.length - 1].getIssuerX500Principal().getName()
          + "', which is not a CA in " + source;
    }
    return who + " was refused (" + source + "): " + message;
  }
}
