package io.lattice.kv;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The state hash replicas compare: SHA-256 of the canonical snapshot encoding ({@link
 * KvSnapshotCodec}), streamed through the digest without building the snapshot in memory, folded to
 * its first 8 bytes read as a big-endian {@code long}.
 *
 * <p>What is hashed is therefore exactly what a snapshot holds: the applied index, every key in
 * order with its value, create index, mod index and version, the log clock, and every client session
 * in client-id order with its last activity time, floor and retained encoded results. Two replicas
 * at the same applied index have equal hashes if and only if (up to SHA-256 collisions) they will
 * answer every future command identically. Configuration (session TTL, window size) is not hashed; it
 * must be the same on every replica.
 */
final class StateHash {
  private StateHash() {}

  interface Source {
    void writeTo(OutputStream out) throws IOException;
  }

  static long of(Source source) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    try (OutputStream out = new DigestSink(sha)) {
      source.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException("hashing into memory failed", e);
    }
    byte[] d = sha.digest();
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xFF);
    }
    return h;
  }

  /** An output stream that only feeds a digest. */
  private static final class DigestSink extends OutputStream {
    private final MessageDigest digest;

    DigestSink(MessageDigest digest) {
      this.digest = digest;
    }

    @Override
    public void write(int b) {
      digest.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      digest.update(b, off, len);
    }
  }
}
