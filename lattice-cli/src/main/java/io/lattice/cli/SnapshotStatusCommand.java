package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.Sizes;
import io.lattice.format.BackupFile;
import io.lattice.format.FormatException;
import io.lattice.format.MemberRecord;
import io.lattice.format.MembershipCodec;
import io.lattice.format.SnapshotDataReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice snapshot status FILE}: what a backup holds, after checking every byte of it
 * (etcdutl's {@code snapshot status}). Works offline: it reads only the file.
 */
@Command(name = "status", description = {
    "Check a backup FILE made by 'snapshot save' (every checksum) and show what it holds: hash",
    "(CRC-32C), index, term, members, keys, size, version, cluster and where it was taken.",
    "Reads only the file. Exits 1 if the file is damaged, naming the offset."})
final class SnapshotStatusCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "The backup file.")
  Path file;

  SnapshotStatusCommand(CliContext ctx) {
    super(ctx);
  }

  /** The key and session counts the snapshot's data declares and holds. */
  private static final class Counts implements SnapshotDataReader.Visitor {
    long keys;
    long sessions;
    long declaredKeys = -1;

    @Override
    public void summary(long appliedIndex, long keyCount, long sessionCount) {
      declaredKeys = keyCount;
    }

    @Override
    public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
      keys++;
    }

    @Override
    public boolean valueByPosition(int length) {
      return true; // values are only counted: skip their bytes instead of copying them
    }

    @Override
    public void keyAt(byte[] key, long valueOffset, int valueLength, long createIndex,
        long modIndex, long version) {
      keys++;
    }

    @Override
    public void session(long sessionId, long lastSequence, byte[] lastResult,
        long lastActiveMillis) {
      sessions++;
    }
  }

  @Override
  public Integer call() {
    BackupFile.Verified v;
    Counts counts = new Counts();
    List<MemberRecord> members;
    try {
      v = BackupFile.verify(file);
      try (InputStream in = BackupFile.openData(file, v)) {
        SnapshotDataReader.read(in, counts);
      }
      members = MembershipCodec.decode(v.snapshot().membership());
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCodes.FAILURE, file + ": no such file");
    } catch (FormatException e) {
      throw new CliException(ExitCodes.FAILURE, file + " is damaged at offset " + e.offset()
          + ": " + e.getMessage());
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILURE, "cannot read " + file + ": " + e.getMessage());
    }
    BackupFile.Meta m = v.meta();
    String hash = String.format("%08x", m.snapshotCrc());
    if (format() == OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("hash", hash);
      o.addProperty("snapshot_index", v.snapshot().lastIndex());
      o.addProperty("snapshot_term", v.snapshot().lastTerm());
      o.addProperty("keys", counts.keys);
      o.addProperty("sessions", counts.sessions);
      o.addProperty("size", m.snapshotLength());
      o.addProperty("version", m.version());
      o.addProperty("cluster_id", m.clusterId());
      o.addProperty("member_id", m.memberId());
      o.addProperty("created", Instant.ofEpochMilli(m.createdMillis()).toString());
      JsonArray a = new JsonArray();
      for (MemberRecord r : members) {
        JsonObject mo = new JsonObject();
        mo.addProperty("id", r.id());
        mo.addProperty("peer_address", r.peerAddress());
        mo.addProperty("voter", r.voter());
        a.add(mo);
      }
      o.add("members", a);
      printJson(o);
      return ExitCodes.OK;
    }
    StringBuilder names = new StringBuilder();
    for (MemberRecord r : members) {
      names.append(names.length() == 0 ? "" : ", ").append(r.id()).append(r.voter() ? "" : " (learner)");
    }
    out().println(file + ": OK (every checksum verified)");
    out().println("  hash      " + hash + " (CRC-32C of the snapshot)");
    out().println("  index     " + v.snapshot().lastIndex() + ", term " + v.snapshot().lastTerm());
    out().println("  members   " + names);
    out().println("  keys      " + counts.keys + (counts.sessions > 0
        ? " (and " + counts.sessions + " client sessions)" : ""));
    out().println("  size      " + Sizes.bytes(m.snapshotLength()));
    out().println("  cluster   " + m.clusterId() + ", taken from " + m.memberId() + " at "
        + Instant.ofEpochMilli(m.createdMillis()) + " (server " + m.version() + ")");
    return ExitCodes.OK;
  }
}
