package io.lattice.cli.shell;

import com.google.protobuf.ByteString;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.ReadableBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys for tab completion ({@code get gre<TAB>}): those that start with the typed prefix, read
 * from the cluster (a stale keys-only range: any member, no leader needed) within a short budget so
 * that TAB never hangs; keys that are not text are left out (they cannot be typed). An
 * unreachable cluster gives none.
 */
final class KeyNames {
  /** The most keys offered: a prefix matching more is to be typed further. */
  static final int LIMIT = 100;
  private static final Duration BUDGET = Duration.ofMillis(500);

  private final LatticeClient client;

  KeyNames(LatticeClient client) {
    this.client = client;
  }

  /** The keys that start with {@code prefix}, as text. */
  List<String> startingWith(String prefix) {
    List<String> out = new ArrayList<>();
    try {
      for (ByteString k : client.keysWithPrefix(ByteString.copyFromUtf8(prefix), LIMIT,
          BUDGET)) {
        String text = ReadableBytes.text(k.toByteArray());
        if (text != null) {
          out.add(text);
        }
      }
    } catch (RuntimeException e) {
      // completion must never fail the line being edited
    }
    return out;
  }
}
