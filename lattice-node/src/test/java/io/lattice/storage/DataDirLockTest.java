package io.lattice.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {
  @TempDir Path tmp;

  @Test
  void aSecondHolderIsRefusedWithTheDirectoryAndWhatToDo() throws Exception {
    Path dir = tmp.resolve("n1");
    try (DataDirLock first = DataDirLock.acquire(dir)) {
      assertThatThrownBy(() -> DataDirLock.acquire(dir))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("in use by another lattice-node")
          .hasMessageContaining("stop that node first");
    }
  }

  @Test
  void closingReleasesTheLock() throws Exception {
    Path dir = tmp.resolve("n1");
    DataDirLock.acquire(dir).close();
    try (DataDirLock again = DataDirLock.acquire(dir)) {
      assertThat(dir.resolve(DataDirLock.FILE_NAME)).exists();
    }
  }
}
