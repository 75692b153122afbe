package io.lattice.storage;

import io.lattice.format.LogRecord;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;

/** Converts between the core's {@link Entry} and the stored {@link LogRecord}: same codes. */
final class EntryRecords {
  private EntryRecords() {}

  static LogRecord toRecord(Entry e) {
    return new LogRecord(e.type().code(), e.term(), e.index(), e.data());
  }

  static Entry toEntry(LogRecord r) {
    return new Entry(r.term(), r.index(), EntryType.fromCode(r.kind()), r.payload());
  }
}
