package io.lattice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Deterministic simulation (DESIGN §7 layer 3): many seeded runs of 3- and 5-node clusters under
 * faults, checking safety after every step and liveness after the faults stop.
 *
 * <p>{@code -Dlattice.seeds=N} runs seeds 1..N (default 1000); {@code
 * -Dlattice.scenarios=SNAPSHOTS,CRASH_STORM} only those of these scenarios among them; {@code
 * -Dlattice.seed=S} replays seed S alone, printing its recent events on failure.
 */
class SimulationTest {
  private static final int DEFAULT_SEEDS = 1000;

  @Test
  void manySeeds() {
    try (QuietLogs quiet = QuietLogs.quiet()) {
      runSeeds();
    }
  }

  private void runSeeds() {
    Long replay = SeedProperties.replaySeed();
    if (replay != null) {
      Simulation sim = new Simulation(replay, Scenario.forSeed(replay),
          Integer.getInteger("lattice.traceKeep", 400));
      Simulation.Result r = sim.run();
      if (Boolean.getBoolean("lattice.printTrace")) {
        sim.cluster().trace.recent().forEach(System.out::println);
      }
      System.out.println("seed " + replay + " passed: " + r + "\n  params: " + Scenario.forSeed(replay));
      return;
    }
    int count = SeedProperties.seedCount(DEFAULT_SEEDS);
    List<String> failures = new ArrayList<>();
    TreeMap<String, long[]> perScenario = new TreeMap<>();
    long elections = 0;
    long writes = 0;
    long reads = 0;
    long historyOps = 0;
    Stats stats = new Stats();
    java.util.Set<String> only = SeedProperties.scenarios();
    for (long seed = 1; seed <= count; seed++) {
      String scenario = Scenario.forSeed(seed).scenario.toString();
      if (!only.isEmpty() && !only.contains(scenario)) {
        continue;
      }
      try {
        Simulation.Result r = Simulation.run(seed, 0);
        elections += r.elections();
        writes += r.ackedWrites();
        reads += r.checkedReads();
        historyOps += r.historyOps();
        stats.addAll(r.stats());
        perScenario.computeIfAbsent(scenario, k -> new long[2])[0]++;
      } catch (AssertionError e) {
        perScenario.computeIfAbsent(scenario, k -> new long[2])[1]++;
        if (failures.size() < 5) {
          System.err.println(e.getMessage());
        }
        failures.add(seed + " (" + scenario + ")");
      }
    }
    System.out.println("simulation: " + count + " seeds, " + elections + " leader elections, "
        + writes + " acknowledged writes, " + reads + " linearizable reads checked, "
        + historyOps + " operations in the clients' histories; per scenario "
        + "[passed, failed]: " + format(perScenario) + "\nevents: " + stats);
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + count + " seeds failed: " + failures
          + "\nreplay one with: cd lattice-node && mvn -q test -Dtest=SimulationTest#manySeeds"
          + " -Dlattice.seed=SEED (add -Dlattice.traceKeep=N -Dlattice.printTrace=true for events)");
    }
  }

  @Test
  void sameSeedSameTrace() {
    try (QuietLogs quiet = QuietLogs.quiet()) {
      compareRuns();
    }
  }

  private void compareRuns() {
    // One seed compared event by event, as text.
    Simulation first = new Simulation(17, Scenario.forSeed(17), 1_000_000);
    first.run();
    Simulation second = new Simulation(17, Scenario.forSeed(17), 1_000_000);
    second.run();
    assertEquals(first.cluster().trace.recent(), second.cluster().trace.recent());
    // Several scenarios compared by trace hash, event count and length.
    for (long seed : new long[] {3, 12, 29, 46, 63, 74, 85, 96}) {
      Simulation.Result a = Simulation.run(seed, 0);
      Simulation.Result b = Simulation.run(seed, 0);
      assertEquals(a.traceHash(), b.traceHash(), "seed " + seed + " must replay identically");
      assertEquals(a.events(), b.events(), "seed " + seed + " must replay identically");
      assertEquals(a.ticks(), b.ticks(), "seed " + seed + " must replay identically");
    }
  }

  private static String format(TreeMap<String, long[]> m) {
    StringBuilder sb = new StringBuilder();
    m.forEach((k, v) -> sb.append(k).append('=').append(v[0]).append('/').append(v[1]).append(' '));
    return sb.toString().trim();
  }
}
