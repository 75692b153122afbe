package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.lattice.cli.ScriptedKv.Step;
import io.lattice.cli.bench.BenchReport;
import io.lattice.cli.bench.BenchResult;
import io.lattice.cli.bench.BenchRunner;
import io.lattice.cli.bench.BenchSpec;
import io.lattice.cli.bench.Workload;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.ReadConsistency;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bench against a scripted server that answers RESOURCE_EXHAUSTED (OVERLOADED) for a while:
 * those answers are counted apart from the errors, and the slots back off rather than hammer.
 */
class BenchOverloadTest {
  @Test
  @Timeout(60)
  void overloadedAnswersAreCountedApartFromErrorsAndBackedOffFrom() throws Exception {
    ScriptedKv kv = new ScriptedKv();
    Server server = ScriptedKv.serve(kv);
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext().build();
    try {
      // connected and warm before the script starts (a busy machine is slow to make the first call)
      KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
          .put(PutRequest.getDefaultInstance());
      kv.puts.clear();
      kv.putTimes.clear();
      for (int i = 0; i < 16; i++) {
        kv.script.add(Step.OVERLOADED);
      }
      // 10 s: room for every scripted refusal whichever way they fall on the two slots (16 in a
      // row on one slot pause 10 + 20 + ... + 500 ms, about 5.6 s before jitter)
      BenchSpec spec = new BenchSpec(Workload.PUT, 2, 1, 10, 16, 8, Duration.ofSeconds(10),
          Duration.ZERO, ReadConsistency.LINEARIZABLE, 0, Duration.ofSeconds(10));
      BenchResult r = new BenchRunner(spec, List.of(ch)).run(null);
      assertThat(r.errors()).isEmpty();
      assertThat(r.overloaded()).isEqualTo(16);
      assertThat(r.writes()).isPositive();
      // two slots, 16 refusals: pauses of at least 5, 10, 20, ... ms per slot, not a spin
      assertThat(kv.putTimes.get(16) - kv.putTimes.get(0)).isGreaterThan(50_000_000L);

      StringWriter text = new StringWriter();
      BenchReport.text(spec, "fake", r, new PrintWriter(text));
      assertThat(text.toString()).contains("errors   0\n")
          .contains("overloaded " + r.overloaded() + " (RESOURCE_EXHAUSTED");
      assertThat(BenchReport.json(spec, "fake", r).get("overloaded").getAsLong())
          .isEqualTo(r.overloaded());
    } finally {
      ch.shutdownNow();
      server.shutdownNow();
    }
  }
}
