package io.lattice.cli;

import io.grpc.ManagedChannel;
import io.lattice.cli.bench.BackgroundRanges;
import io.lattice.cli.bench.BenchReport;
import io.lattice.cli.bench.BenchResult;
import io.lattice.cli.bench.BenchRunner;
import io.lattice.cli.bench.BenchSpec;
import io.lattice.cli.bench.Preload;
import io.lattice.cli.bench.ServerUsage;
import io.lattice.cli.bench.Workload;
import io.lattice.cli.client.Channels;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lattice bench put|get|mixed}: a closed-loop load generator. */
@Command(name = "bench", description = "Measure throughput and latency with a closed-loop load.",
    subcommands = {BenchCommand.Put.class, BenchCommand.Get.class, BenchCommand.Mixed.class},
    footer = {"", "Each of --inflight requests is resent as soon as it completes (closed loop). "
        + "Writes go to the leader; stale reads are spread over every member.",
        "A live progress line goes to stderr when it is a terminal (or with --progress).",
        "--background-ranges reads with --consistency, from the leader (every member if stale).",
        "", "Examples:", "  lattice bench put --inflight 64 --conns 4 --duration 30",
        "  lattice bench put --keys 1000000 --value-size 100 --preload --background-ranges 20"})
final class BenchCommand extends BaseCommand {
  BenchCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a workload is required: put, get or mixed");
  }

  /** Options of every workload. */
  static final class Options {
    @Option(names = "--inflight", paramLabel = "N", defaultValue = "16",
        description = "Requests in flight at all times (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--conns", paramLabel = "N", defaultValue = "1",
        description = "Connections to spread them over (default: ${DEFAULT-VALUE}).")
    int conns;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "1000",
        description = "Number of distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--key-size", paramLabel = "BYTES", defaultValue = "16",
        description = "Key size (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "128",
        description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
        converter = DurationConverter.class,
        description = "Measured time, e.g. 30s (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s",
        converter = DurationConverter.OrZero.class,
        description = "Unmeasured time before, e.g. 0 or 5s (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--consistency", paramLabel = "MODE", defaultValue = "linearizable",
        description = "Of the reads: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Consistency consistency;

    @Option(names = "--preload",
        description = "First write every one of --keys keys once, in Txns of --preload-batch puts "
            + "(not measured).")
    boolean preload;

    @Option(names = "--preload-batch", paramLabel = "N", defaultValue = "128",
        description = "Puts per preload Txn, at most the cluster's --max-txn-ops "
            + "(default: ${DEFAULT-VALUE}).")
    int preloadBatch;

    @Option(names = "--background-ranges", paramLabel = "N", defaultValue = "0",
        description = "While the workload runs, N loops each reading the whole key space with "
            + "paged Ranges, on connections of their own (default: ${DEFAULT-VALUE}).")
    int backgroundRanges;

    @Option(names = "--range-limit", paramLabel = "N", defaultValue = "0",
        description = "Keys per background Range call; 0: as many as the member sends in one "
            + "answer (default: ${DEFAULT-VALUE}).")
    long rangeLimit;

    @Option(names = "--target", paramLabel = "WHERE", defaultValue = "auto",
        description = "Where the reads go: ${COMPLETION-CANDIDATES}; auto: the leader, or every "
            + "member for stale reads (default: ${DEFAULT-VALUE}). Writes always go to the leader.")
    Target target;

    @Option(names = "--progress", negatable = true,
        description = "Show the live progress line (default: when stderr is a terminal).")
    Boolean progress;
  }

  /** Where a bench sends its reads. */
  enum Target {
    auto, leader, followers, all
  }

  abstract static class Run extends BaseCommand {
    @Mixin
    Options o;

    Run(CliContext ctx) {
      super(ctx);
    }

    abstract Workload workload();

    double readRatio() {
      return workload() == Workload.GET ? 1 : 0;
    }

    @Override
    public Integer call() throws InterruptedException {
      BenchSpec bench = spec();
      BenchResult result;
      Preload.Result preloaded = null;
      BackgroundRanges.Result ranged = null;
      ServerUsage.Result usage;
      String target;
      int cpus = Runtime.getRuntime().availableProcessors();
      // the background ranges get event-loop threads of their own: their large answers must not
      // delay the measured workload's in the client
      try (CliContext.ClientLease lease = client();
          Channels channels = lease.client().newChannels(Math.max(1, Math.min(bench.conns(), cpus)));
          Channels rangeChannels = lease.client().newChannels(
              Math.max(1, Math.min(o.backgroundRanges, cpus)))) {
        LatticeClient c = lease.client();
        StatusResponse leader = c.leaderStatus();
        List<String> members = memberAddresses(c);
        List<String> targets = new ArrayList<>();
        Target where = o.target;
        if (where == Target.auto) {
          where = bench.consistency() == io.lattice.proto.v1.ReadConsistency.STALE
              && bench.workload() == Workload.GET ? Target.all : Target.leader;
        }
        if (bench.workload() != Workload.GET && where != Target.leader) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--target " + o.target
              + ": writes go to the leader; only `bench get` reads elsewhere");
        }
        switch (where) {
          case all -> {
            targets.addAll(members);
            target = "every member";
          }
          case followers -> {
            for (String a : members) {
              if (!a.equals(leader.getAddress())) {
                targets.add(a);
              }
            }
            if (targets.isEmpty()) {
              throw CliException.failure("--target followers: the cluster has no follower");
            }
            target = "followers (" + String.join(", ", targets) + ")";
          }
          default -> {
            targets.add(leader.getAddress());
            target = "leader " + leader.getMemberId() + " (" + leader.getAddress() + ")";
          }
        }
        ServerUsage servers = new ServerUsage(members, c::statusOf);
        List<ManagedChannel> open = new ArrayList<>();
        for (int i = 0; i < bench.conns(); i++) {
          open.add(channels.open(targets.get(i % targets.size())));
        }
        BenchRunner runner = new BenchRunner(bench, open);
        if (o.preload) {
          preloaded = Preload.run(bench, o.preloadBatch, runner.value(),
              List.of(channels.open(leader.getAddress())));
        } else if (bench.workload() != Workload.PUT) {
          runner.prefill();
        }
        boolean live = o.progress != null ? o.progress : System.console() != null;
        if (o.backgroundRanges == 0) {
          result = runner.run(live ? spec.commandLine().getErr() : null, List.of(servers));
        } else {
          List<String> rangeTargets = bench.consistency()
              == io.lattice.proto.v1.ReadConsistency.STALE ? memberAddresses(c)
              : List.of(leader.getAddress());
          List<ManagedChannel> rangeOpen = new ArrayList<>();
          for (int i = 0; i < o.backgroundRanges; i++) {
            rangeOpen.add(rangeChannels.open(rangeTargets.get(i % rangeTargets.size())));
          }
          try (BackgroundRanges ranges = new BackgroundRanges(bench, o.rangeLimit, rangeOpen)) {
            result = runner.run(live ? spec.commandLine().getErr() : null,
                List.of(ranges, servers));
            ranged = ranges.result();
          }
        }
        usage = servers.result();
      } catch (IllegalStateException e) {
        throw CliException.failure(e.getMessage());
      } catch (InterruptedException e) {
        throw new ClientException(ClientException.Outcome.CANCELLED, "cancelled", e);
      }
      if (format() == io.lattice.cli.output.OutputFormat.json) {
        // one line per result, so that runs can be appended to one file and compared
        out().println(io.lattice.cli.output.Json.formatLine(
            BenchReport.json(bench, target, result, preloaded, ranged, usage)));
        out().flush();
      } else {
        BenchReport.text(bench, target, result, preloaded, ranged, usage, out());
      }
      if (result.ops() == 0) {
        throw CliException.failure("no operation succeeded (" + result.errorCount()
            + " errors: " + result.errors() + "; " + result.overloaded() + " overloaded)");
      }
      return ExitCodes.OK;
    }

    private static List<String> memberAddresses(LatticeClient c) {
      List<String> all = new ArrayList<>();
      for (MemberInfo m : c.memberList().getMembersList()) {
        all.add(m.getAddress());
      }
      return all;
    }

    private BenchSpec spec() {
      CommandLine cl = spec.commandLine();
      if (o.preloadBatch < 1 || o.backgroundRanges < 0 || o.rangeLimit < 0) {
        throw new CommandLine.ParameterException(cl,
            "--preload-batch must be >= 1, --background-ranges and --range-limit >= 0");
      }
      if (o.inflight < 1 || o.conns < 1 || o.keys < 1 || o.valueSize < 0) {
        throw new CommandLine.ParameterException(cl,
            "--inflight, --conns and --keys must be >= 1, --value-size >= 0");
      }
      if (o.keySize < BenchSpec.minKeySize(o.keys)) {
        throw new CommandLine.ParameterException(cl, "--key-size " + o.keySize
            + " is too small for " + o.keys + " keys (at least " + BenchSpec.minKeySize(o.keys)
            + ")");
      }
      return new BenchSpec(workload(), o.inflight, o.conns, o.keys, o.keySize, o.valueSize,
          o.duration, o.warmup, LatticeClient.consistency(o.consistency.name()), readRatio(),
          globals().timeout());
    }
  }

  @Command(name = "put", description = "Puts of random keys.")
  static final class Put extends Run {
    Put(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.PUT;
    }
  }

  @Command(name = "get", description = "Gets of random keys (written once before).")
  static final class Get extends Run {
    Get(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.GET;
    }
  }

  @Command(name = "mixed", description = "Gets and puts of random keys.")
  static final class Mixed extends Run {
    @Option(names = "--read-ratio", paramLabel = "FRACTION", defaultValue = "0.5",
        description = "Fraction of gets, 0..1 (default: ${DEFAULT-VALUE}).")
    double ratio;

    Mixed(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.MIXED;
    }

    @Override
    double readRatio() {
      if (ratio < 0 || ratio > 1) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--read-ratio must be between 0 and 1");
      }
      return ratio;
    }
  }
}
