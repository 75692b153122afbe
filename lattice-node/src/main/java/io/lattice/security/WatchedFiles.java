package io.lattice.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Material read from files (a certificate and its key, a CA bundle) that is re-read when the files
 * change, without a restart.
 *
 * <p>Contract: {@link #current()} looks at the files' modification time, size and identity at most
 * once per {@link #CHECK_INTERVAL_NANOS} (so a TLS handshake costs no file-system call most of the
 * time); when any changed it loads them again. A load that fails (a half-written file, a key that
 * does not match its certificate) keeps the old material and logs one warning; the same files are
 * not tried again until they change again. Thread-safe: handshakes on any thread may call it.
 *
 * @param <T> what the files hold
 */
final class WatchedFiles<T> {
  private static final Logger log = LoggerFactory.getLogger(WatchedFiles.class);
  /** Files are looked at no more than once a second. */
  static final long CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Reads the material from the files. */
  interface Loader<T> {
    T load() throws IOException;
  }

  private final String what;
  private final List<Path> files;
  private final Loader<T> loader;
  private final LongSupplier nanoClock;
  private volatile T current;
  private volatile long generation;
  private List<Object> stamp;
  private long nextCheck;

  /**
   * Loads the material once.
   *
   * @param what names the material in log lines (e.g. "--cert-file/--key-file")
   * @throws IOException if it cannot be loaded now (the message names the file and the problem)
   */
  WatchedFiles(String what, List<Path> files, Loader<T> loader, LongSupplier nanoClock)
      throws IOException {
    this.what = Objects.requireNonNull(what);
    this.files = List.copyOf(files);
    this.loader = Objects.requireNonNull(loader);
    this.nanoClock = Objects.requireNonNull(nanoClock);
    this.stamp = stamp();
    this.current = loader.load();
    this.nextCheck = nanoClock.getAsLong() + CHECK_INTERVAL_NANOS;
  }

  /** The material, re-read first if the files changed (looked at no more than once a second). */
  T current() {
    long now = nanoClock.getAsLong();
    synchronized (this) {
      if (now - nextCheck >= 0) {
        nextCheck = now + CHECK_INTERVAL_NANOS;
        reloadIfChanged();
      }
    }
    return current;
  }

  /** How many times the material was replaced since it was first loaded. */
  long generation() {
    return generation;
  }

  private void reloadIfChanged() {
    List<Object> now;
    try {
      now = stamp();
    } catch (IOException e) {
      now = List.of(e.toString()); // a missing file: a change, whose load will fail and log once
    }
    if (now.equals(stamp)) {
      return;
    }
    stamp = now;
    try {
      current = loader.load();
      generation++;
      log.info("re-read {} ({}): new material in use for new connections", what, files);
    } catch (IOException | RuntimeException e) {
      log.warn("re-reading {} failed, still using the previous material: {}", what,
          e.getMessage());
    }
  }

  private List<Object> stamp() throws IOException {
    List<Object> s = new ArrayList<>();
    for (Path f : files) {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      s.add(a.lastModifiedTime());
      s.add(a.size());
      s.add(String.valueOf(a.fileKey()));
    }
    return s;
  }
}
