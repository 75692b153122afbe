package io.lattice.node;

import io.lattice.errors.Reason;
import io.lattice.raft.Message;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.SpaceReservation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disk full as a state of the node, not a crash: the NO_SPACE alarm (like etcd's NOSPACE) and the
 * retry of snapshots that failed for want of space. Owned by the loop thread.
 *
 * <p><b>Why a reserve.</b> The Raft core hands the node a {@link io.lattice.raft.Ready} that it
 * already counts as handed over: its entries are the core's, its messages have left its outbox,
 * its hard state is marked reported. There is no "not persisted, take it back" in that contract,
 * so a log append that fails (ENOSPC) must stop the node (see {@link ReadyHandler}), and so must
 * a failed fsync, since nothing that is not durable may be acknowledged. The node therefore keeps
 * the log from ever reaching the end of the disk: while the data directory's file system has less
 * than the reserve ({@link NodeConfig#diskReserveBytes()}) free, nothing new enters the log —
 *
 * <ul>
 *   <li>client writes and membership changes on the leader fail before they are proposed with
 *       {@link Reason#NO_SPACE} (they had no effect);
 *   <li>an AppendRequest that carries entries is not stepped into the core: the follower simply
 *       does not acknowledge, the leader retries (heartbeats still pass, so the node keeps its
 *       leader, its term and its place in the cluster, and commits what it already holds);
 * </ul>
 *
 * while reads are served as usual. The reserve covers what still reaches the disk under the
 * alarm: a batch in flight when it was raised, the no-op of a new term, hard-state files. The
 * alarm clears by itself, without a restart, once free space is back above the reserve plus a
 * margin ({@link #clearMargin}) so that it does not flap with every entry.
 *
 * <p><b>Cheap, on the loop.</b> Free space is read with one {@code statvfs} ({@link FreeSpace}),
 * at most once per {@value #CHECK_MILLIS} ms of the injected node clock; between readings the last
 * answer stands. Nothing here scans files.
 *
 * <p><b>Snapshots.</b> A snapshot whose write failed for want of space is not fatal: the store
 * removed the partial file, the log still holds everything, the alarm SNAPSHOT_FAILED is raised and
 * automatic snapshots are retried after a back-off that doubles from {@value #FIRST_RETRY_MILLIS}
 * ms to {@value #MAX_RETRY_MILLIS} ms (never a tight loop; a snapshot is also what frees log space
 * once it compacts the log, so it keeps being tried). A success clears the alarm and the back-off.
 * This is what keeps a node restarted on a full disk from a crash loop: it says so once, starts,
 * serves reads, refuses writes, and tries its snapshot now and then.
 *
 * <p><b>The space reservation.</b> A disk that something else fills to the last byte defeats the
 * reserve, and a vote or a new term must still be saved (durably, before anything that depends on
 * it is sent). The hard-state store then releases the data directory's {@link SpaceReservation}
 * and saves in the room it freed. A missing reservation raises NO_SPACE at once, whatever the free
 * space reads, and the alarm clears only once the reservation is back: when free space is above
 * the reserve, the margin and the reservation's size, this monitor recreates it (one write of its
 * megabyte and an fsync, on the loop, once per fill of the disk). The reservation is made when the
 * node starts; a disk too full for it starts the node under the alarm.
 */
public final class DiskSpaceMonitor {
  private static final Logger log = LoggerFactory.getLogger(DiskSpaceMonitor.class);
  static final long CHECK_MILLIS = 100;
  static final long FIRST_RETRY_MILLIS = 1_000;
  static final long MAX_RETRY_MILLIS = 60_000;
  private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);

  /** What an alarm is about; the names are those of {@code lattice.v1.Alarm.Type}. */
  public enum AlarmType {
    /** Free space is below the reserve: writes are refused with NO_SPACE. */
    NO_SPACE,
    /** The last snapshot could not be written for want of space; it is retried later. */
    SNAPSHOT_FAILED
  }

  /** A raised alarm, with a sentence for operators. */
  public record Alarm(AlarmType type, String detail) {
    public Alarm {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(detail, "detail");
    }
  }

  private final String id;
  private final FreeSpace source;
  private final long reserve;
  private final long clearMargin;
  private final LongSupplier nanoClock;
  private final NodeMetrics metrics;
  private final SpaceReservation reservation;

  private boolean checked;
  private long checkedAt;
  private long free = Long.MAX_VALUE;
  private boolean noSpace;
  private boolean readFailedLogged;
  private boolean reservationFailedLogged;
  private long refusedAppends;

  private String snapshotError;
  private long retryAt;
  private long retryDelayNanos;

  /**
   * @param source the free space of the data directory's file system
   * @param reserveBytes below this many free bytes the NO_SPACE alarm is raised
   * @param nanoClock the node's monotonic clock (injected: the simulator drives it)
   */
  public DiskSpaceMonitor(String id, FreeSpace source, long reserveBytes, LongSupplier nanoClock,
      NodeMetrics metrics) {
    this(id, source, SpaceReservation.NONE, reserveBytes, nanoClock, metrics);
  }

  /** The monitor of the disk of {@code storage}: its free space and its space reservation. */
  public DiskSpaceMonitor(String id, NodeStorage storage, long reserveBytes,
      LongSupplier nanoClock, NodeMetrics metrics) {
    this(id, storage.freeSpace(), storage.reservation(), reserveBytes, nanoClock, metrics);
  }

  /** @param reservation the room the hard-state store falls back on, recreated here */
  DiskSpaceMonitor(String id, FreeSpace source, SpaceReservation reservation, long reserveBytes,
      LongSupplier nanoClock, NodeMetrics metrics) {
    if (reserveBytes < 0) {
      throw new IllegalArgumentException("reserveBytes must be >= 0");
    }
    this.id = Objects.requireNonNull(id, "id");
    this.source = Objects.requireNonNull(source, "source");
    this.reserve = reserveBytes;
    this.clearMargin = Math.min(reserveBytes / 16, 8L << 20);
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.reservation = Objects.requireNonNull(reservation, "reservation");
  }

  /** A disk that never fills, with snapshot retries timed by {@code nanoClock}. */
  static DiskSpaceMonitor unlimited(LongSupplier nanoClock) {
    return new DiskSpaceMonitor("-", FreeSpace.UNLIMITED, 0, nanoClock, NodeMetrics.NONE);
  }

  /**
   * Makes the space reservation (or finds it in place), reads the free space now and, when it is
   * below the reserve or the reservation could not be made, says so in one line: a node started on
   * a full disk starts all the same, serving reads and refusing writes.
   *
   * @throws IOException if the reservation cannot be created for another reason than a full disk
   */
  void checkAtStart(Object dataDir) throws IOException {
    reservation.ensure();
    refresh(true, true);
    if (noSpace) {
      log.error("{}: the disk of {} is full: {}. Starting with the NO_SPACE alarm: reads are "
              + "served, writes are refused with NO_SPACE until space is freed there (no restart "
              + "needed).", id, dataDir, noSpaceDetail());
    }
  }

  /** Whether the NO_SPACE alarm is raised (free space is read at most every 100 ms). */
  public boolean noSpace() {
    refresh(false, false);
    return noSpace;
  }

  /** Throws NO_SPACE when the alarm is raised: call before proposing anything new. */
  void checkWritable() {
    if (noSpace()) {
      throw new NodeException(Reason.NO_SPACE, "the disk of member " + id + " is full: "
          + (reservation.held() ? mib(free) + " free, below its reserve of " + mib(reserve)
              : "its last free bytes went to saving its term and vote")
          + "; writes are refused until space is freed there (reads still work)");
    }
  }

  /**
   * Whether {@code m} must not be stepped into the core: an append that would grow the log while
   * the alarm is raised. Dropping it is safe: Raft tolerates lost messages, and the leader retries.
   */
  boolean refuses(Message m) {
    if (!(m instanceof Message.AppendRequest a) || a.entries().isEmpty() || !noSpace()) {
      return false;
    }
    if (refusedAppends++ == 0) {
      log.warn("{}: the disk is full: not taking entries from leader {} until space is freed",
          id, a.from());
    }
    return true;
  }

  /** Whether an automatic snapshot may be begun now (not within the back-off after a failure). */
  boolean snapshotAllowed() {
    return snapshotError == null || nanoClock.getAsLong() - retryAt >= 0;
  }

  /** A snapshot could not be written for want of space: raise the alarm, back off. */
  void snapshotFailed(long index, IOException cause) {
    retryDelayNanos = retryDelayNanos == 0 ? TimeUnit.MILLISECONDS.toNanos(FIRST_RETRY_MILLIS)
        : Math.min(2 * retryDelayNanos, TimeUnit.MILLISECONDS.toNanos(MAX_RETRY_MILLIS));
    retryAt = nanoClock.getAsLong() + retryDelayNanos;
    snapshotError = "snapshot " + index + " could not be written: " + cause.getMessage()
        + "; retrying in " + TimeUnit.NANOSECONDS.toMillis(retryDelayNanos) + " ms";
    log.warn("{}: the disk is full: {} (the partial file was removed; the log still holds "
        + "every entry)", id, snapshotError);
    metrics.snapshotFailed();
    refresh(true, false);
  }

  /** A snapshot was written: clears SNAPSHOT_FAILED and the back-off. */
  void snapshotSucceeded() {
    if (snapshotError != null) {
      log.info("{}: a snapshot was written again: the SNAPSHOT_FAILED alarm is cleared", id);
    }
    snapshotError = null;
    retryDelayNanos = 0;
    publish();
  }

  /** The raised alarms, NO_SPACE first. */
  public List<Alarm> alarms() {
    List<Alarm> out = new ArrayList<>(2);
    if (noSpace) {
      out.add(new Alarm(AlarmType.NO_SPACE, noSpaceDetail() + ": writes are refused"));
    }
    if (snapshotError != null) {
      out.add(new Alarm(AlarmType.SNAPSHOT_FAILED, snapshotError));
    }
    return out;
  }

  /** The free bytes last read (Long.MAX_VALUE when never read or unknown). */
  public long freeBytes() {
    return free;
  }

  /**
   * Between readings of the free space only the reservation is looked at (a flag): a hard-state
   * save that used it raises the alarm at once, before the next write is let in.
   *
   * @param quiet raise the alarm without its log line (the caller says it its own way)
   */
  private void refresh(boolean now, boolean quiet) {
    long t = nanoClock.getAsLong();
    if (!now && checked && t - checkedAt < CHECK_NANOS) {
      if (noSpace || reservation.held()) {
        return;
      }
    } else {
      checked = true;
      checkedAt = t;
      readFreeSpace();
    }
    boolean reserved = reservation.held();
    if (!noSpace && (free < reserve || !reserved)) {
      noSpace = true;
      refusedAppends = 0;
      if (!quiet) {
        log.error("{}: NO_SPACE alarm raised: {}: refusing writes and new entries until space is "
            + "freed (reads are served)", id, noSpaceDetail());
      }
    } else if (noSpace && free >= reserve + clearMargin && (reserved || recreateReservation())) {
      noSpace = false;
      log.info("{}: NO_SPACE alarm cleared: {} free; writes are accepted again", id, mib(free));
    }
    publish();
  }

  private void readFreeSpace() {
    try {
      free = source.usableBytes();
      readFailedLogged = false;
    } catch (IOException | RuntimeException e) {
      if (!readFailedLogged) {
        log.warn("{}: cannot read the free disk space ({}); keeping the last reading", id,
            e.toString());
        readFailedLogged = true;
      }
    }
  }

  /** Makes the reservation again once there is room for it beside the reserve; whether it is. */
  private boolean recreateReservation() {
    if (free < reserve + clearMargin + reservation.bytes()) {
      return false;
    }
    try {
      if (reservation.ensure()) {
        log.info("{}: the space reservation {} for the term and vote is in place again", id,
            reservation.name());
        reservationFailedLogged = false;
        return true;
      }
    } catch (IOException e) {
      if (!reservationFailedLogged) {
        log.warn("{}: cannot recreate the space reservation {} ({}); keeping the NO_SPACE alarm "
            + "and trying again", id, reservation.name(), e.toString());
        reservationFailedLogged = true;
      }
    }
    return false;
  }

  /** Why the NO_SPACE alarm is raised, for the log, the alarm and status. */
  private String noSpaceDetail() {
    if (!reservation.held()) {
      return "the disk filled up to the last byte (" + mib(free) + " free): the space reservation "
          + reservation.name() + " went to saving the term and vote, or could not "
          + "be made; it is recreated once " + mib(reserve + clearMargin + reservation.bytes())
          + " are free";
    }
    return mib(free) + " free, below the reserve of " + mib(reserve);
  }

  private void publish() {
    metrics.diskSpace(free, noSpace, snapshotError != null);
  }

  private static String mib(long bytes) {
    if (bytes == Long.MAX_VALUE) {
      return "unknown";
    }
    return bytes >= (10L << 20) ? (bytes >> 20) + " MiB"
        : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
