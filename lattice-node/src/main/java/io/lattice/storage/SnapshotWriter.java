package io.lattice.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a snapshot's data, typically a capture of the state machine taken earlier. It may run on
 * any thread, once; it must not read state that changes after the capture.
 */
@FunctionalInterface
public interface SnapshotWriter {
  void writeTo(OutputStream out) throws IOException;
}
