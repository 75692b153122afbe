package io.lattice.cli.inspect;

import io.lattice.format.FormatException;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.LogRecord;
import io.lattice.format.MemberRecord;
import io.lattice.format.MembershipCodec;
import java.util.List;

/**
 * A log entry with its payload decoded by the codecs the node uses: a {@link KvCommand} for a
 * command entry, the member list for a config entry, nothing for a no-op. A payload that does not
 * decode (its record's checksum held, so these are the bytes that were written) keeps the
 * decoder's message in {@code error}.
 *
 * @param command the decoded command; null unless a command entry that decoded
 * @param members the decoded configuration; null unless a config entry that decoded
 * @param error why the payload does not decode; null if it does
 */
record DecodedEntry(LogRecord record, KvCommand command, List<MemberRecord> members, String error) {

  static DecodedEntry of(LogRecord r) {
    try {
      return switch (r.kind()) {
        case LogRecord.KIND_COMMAND ->
            new DecodedEntry(r, KvCommandCodec.decode(r.payload()), null, null);
        case LogRecord.KIND_CONFIG ->
            new DecodedEntry(r, null, List.copyOf(MembershipCodec.decode(r.payload())), null);
        case LogRecord.KIND_NOOP -> r.payload().length == 0 ? new DecodedEntry(r, null, null, null)
            : new DecodedEntry(r, null, null, "a no-op with a " + r.payload().length
                + "-byte payload");
        default -> new DecodedEntry(r, null, null, "unknown entry kind " + r.kind());
      };
    } catch (FormatException e) {
      return new DecodedEntry(r, null, null, e.getMessage());
    }
  }

  /** {@code command}, {@code config} or {@code noop}: the names {@code --type} filters on. */
  String kindName() {
    return LogRecord.kindName(record.kind());
  }

  boolean decoded() {
    return error == null;
  }
}
