package io.lattice.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The version a node reports (Status, SnapshotSave) is the build's, as the CLI's is: they used to
 * disagree (0.1.0-SNAPSHOT against a hard-coded 0.1.0).
 */
class ServerVersionTest {
  @Test
  void theServerReportsTheBuildsVersion() {
    assertThat(ClusterService.VERSION).isEqualTo(System.getProperty("lattice.project.version"))
        .matches("\\d+\\.\\d+\\.\\d+.*");
  }
}
