package io.lattice.cli;

import com.google.gson.JsonObject;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.Sizes;
import io.lattice.format.BackupFile;
import io.lattice.format.BackupWriter;
import io.lattice.proto.v1.SnapshotSaveChunk;
import io.lattice.proto.v1.SnapshotSaveHeader;
import io.lattice.proto.v1.StatusResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice snapshot save FILE}: streams a consistent snapshot from the leader into a backup
 * file (etcdctl's {@code snapshot save}). The file appears only once complete and verified.
 */
@Command(name = "save", description = {
    "Stream a consistent snapshot from the leader into a backup FILE: cluster id, index, term,",
    "membership and a CRC-32C are in the file. FILE appears only once complete and verified",
    "(it is written as FILE.part first). Restore with 'lattice-node restore FILE'."})
final class SnapshotSaveCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "FILE", description = "Where to write the backup.")
  Path file;

  @Option(names = "--limit", paramLabel = "DURATION", defaultValue = "60m",
      converter = DurationConverter.class,
      description = "How long the transfer may take (default: ${DEFAULT-VALUE}).")
  Duration limit;

  SnapshotSaveCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    BackupFile.Verified saved;
    String from;
    try (CliContext.ClientLease lease = client()) {
      LatticeClient c = lease.client();
      StatusResponse leader = c.leaderStatus();
      from = leader.getMemberId();
      Iterator<SnapshotSaveChunk> it = c.snapshotSave(leader.getAddress(), limit);
      SnapshotSaveHeader h = it.next().getHeader();
      Progress progress = new Progress(h.getFileSize());
      try (BackupWriter w = BackupWriter.create(file, new BackupFile.Meta(h.getClusterId(),
          h.getHeader().getMemberId(), System.currentTimeMillis(), h.getServerVersion(),
          h.getFileSize(), 0))) {
        while (true) {
          SnapshotSaveChunk chunk = it.next();
          if (chunk.hasTrailer()) {
            saved = w.commit(chunk.getTrailer().getFileCrc32C());
            break;
          }
          w.write(chunk.getData().asReadOnlyByteBuffer());
          progress.show(w.written());
        }
      } finally {
        progress.end();
      }
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILURE, "cannot write " + file + ": " + e.getMessage()
          + " (nothing was left behind)");
    }
    BackupFile.Meta m = saved.meta();
    if (format() == OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("file", file.toString());
      o.addProperty("cluster_id", m.clusterId());
      o.addProperty("member_id", m.memberId());
      o.addProperty("snapshot_index", saved.snapshot().lastIndex());
      o.addProperty("snapshot_term", saved.snapshot().lastTerm());
      o.addProperty("size", m.snapshotLength());
      o.addProperty("crc32c", String.format("%08x", m.snapshotCrc()));
      printJson(o);
    } else {
      out().println("Saved the snapshot at index " + saved.snapshot().lastIndex() + " (term "
          + saved.snapshot().lastTerm() + ") of cluster " + m.clusterId() + " from " + from
          + " to " + file + ": " + Sizes.bytes(m.snapshotLength()) + ", CRC-32C "
          + String.format("%08x", m.snapshotCrc()) + ".");
    }
    return ExitCodes.OK;
  }

  /** A progress line on standard error, only when it is a terminal. */
  private final class Progress {
    private final long total;
    private final PrintWriter err = spec.commandLine().getErr();
    private final boolean shown = System.console() != null;
    private long lastNanos;

    Progress(long total) {
      this.total = total;
    }

    void show(long done) {
      long now = System.nanoTime();
      if (!shown || now - lastNanos < 100_000_000L && done < total) {
        return;
      }
      lastNanos = now;
      int pct = total == 0 ? 100 : (int) (100 * done / total);
      int bar = pct / 5;
      err.print("\r[" + "#".repeat(bar) + " ".repeat(20 - bar) + "] " + pct + "%  "
          + Sizes.bytes(done) + " of " + Sizes.bytes(total) + "   ");
      err.flush();
    }

    void end() {
      if (shown && lastNanos != 0) {
        err.println();
      }
    }
  }
}
