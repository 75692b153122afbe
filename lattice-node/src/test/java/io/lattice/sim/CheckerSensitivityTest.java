package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The simulation's checks must notice a broken system, or a green run means nothing. Here the
 * disks acknowledge syncs without persisting: after crashes, acknowledged entries vanish, and some
 * safety property must be reported as violated, with its seed.
 */
class CheckerSensitivityTest {
  @Test
  void aDiskThatLiesAboutSyncIsCaught() {
    List<String> caught = new ArrayList<>();
    for (long seed = 1; seed <= 40 && caught.isEmpty(); seed++) {
      SimParams p = Scenario.forSeed(seed);
      p.lyingDisks = true;
      p.crashRate = 0.03;
      p.maxDown = p.clusterSize;
      try (QuietLogs quiet = QuietLogs.quiet()) {
        new Simulation(seed, p, 0).run();
      } catch (SimulationFailure e) {
        caught.add(e.getMessage());
      }
    }
    assertThat(caught).as("some seed fails").isNotEmpty();
    assertThat(caught.get(0)).contains("seed ").contains("-Dlattice.seed=")
        .containsAnyOf("leader completeness", "committed entry", "state-machine safety",
            "log matching", "linearizability", "acknowledged write lost", "exactly-once",
            "a write was lost");
  }
}
