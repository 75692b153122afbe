package io.lattice.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/lattice and its start-up archive, in a copy of the packaged tree (an installation somewhere
 * else, as after unpacking the tarball): with no archive the tool works and the first command makes
 * one in the background; the archive made is valid for this Java and directory; a damaged archive
 * is skipped without a word on stderr; --create-cds-archive makes a new one.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LauncherCdsIT {
  private static final Path HOME = Path.of(System.getProperty("lattice.dist.home",
      "target/lattice-dist")).toAbsolutePath();

  @TempDir
  Path tmp;

  record Run(int exitCode, String out, String err) {}

  @Test
  void archiveIsMadeOnFirstUseAndAnUnusableOneIsSkippedQuietly() throws Exception {
    Path home = tmp.resolve("lattice");
    copyWithoutArchives(HOME, home);
    Path lib = home.resolve("lib");

    Run first = lattice(home, Map.of(), "version");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("lattice ");
    assertThat(first.err()).isEmpty();

    Path archive = awaitArchive(lib);
    // -Xshare:on (after the launcher's -Xshare:auto) fails the start if the archive does not fit
    Run strict = lattice(home, Map.of("JAVA_OPTS", "-Xshare:on"), "version");
    assertThat(strict.exitCode()).as("the archive fits: %s", strict.err()).isZero();

    Files.write(archive, new byte[64 * 1024]);
    Run damaged = lattice(home, Map.of(), "--help");
    assertThat(damaged.exitCode()).isZero();
    assertThat(damaged.out()).contains("Usage: lattice");
    assertThat(damaged.err()).isEmpty();

    Run remade = lattice(home, Map.of(), "--create-cds-archive");
    assertThat(remade.exitCode()).as(remade.err()).isZero();
    assertThat(remade.out()).contains("wrote " + archive);
    Run strictAgain = lattice(home, Map.of("JAVA_OPTS", "-Xshare:on"), "version");
    assertThat(strictAgain.exitCode()).as(strictAgain.err()).isZero();

    Run off = lattice(home, Map.of("LATTICE_CDS", "off", "JAVA_OPTS", "-Xlog:cds=info"),
        "version");
    assertThat(off.exitCode()).isZero();
    assertThat(off.out()).doesNotContain(archive.getFileName().toString());
    try (Stream<Path> files = Files.list(lib)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary or lock file left").noneMatch(n -> n.endsWith(".tmp")
              || n.endsWith(".lock") || n.endsWith(".log"));
    }
  }

  /**
   * A copied installation carries an archive made for the original directory, which the JVM
   * would skip without a word: the first command in the copy remakes it for the copy's class
   * path, and the next command loads the CLI's classes from it.
   */
  @Test
  void archiveMadeForAnotherDirectoryIsRemadeAndUsed() throws Exception {
    Path original = tmp.resolve("original");
    copyWithoutArchives(HOME, original);
    Run make = lattice(original, Map.of(), "--create-cds-archive");
    assertThat(make.exitCode()).as(make.err()).isZero();

    Path home = tmp.resolve("copied");
    copyAll(original, home);
    Path lib = home.resolve("lib");
    Path archive;
    try (Stream<Path> files = Files.list(lib)) {
      archive = files.filter(p -> p.toString().endsWith(".jsa") || p.toString().endsWith(".aot"))
          .findFirst().orElseThrow();
    }
    Path stamp = Path.of(archive + ".cp");
    assertThat(Files.readString(stamp)).contains(original.resolve("lib").toString());

    Run first = lattice(home, Map.of(), "version");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.err()).isEmpty();
    awaitStampNaming(lib, stamp, lib.toString());

    Run second = lattice(home, Map.of("JAVA_OPTS", "-Xlog:class+load=info"), "version");
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).as("the CLI's classes come from the remade archive")
        .contains("io.lattice.cli.CliContext source: shared objects file");
  }

  /** Waits until {@code stamp} names {@code expected} and no maker holds the lock. */
  private static void awaitStampNaming(Path lib, Path stamp, String expected)
      throws IOException, InterruptedException {
    // the maker runs at low priority: on a busy machine it takes far longer than its ~15 s
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      boolean locked;
      try (Stream<Path> files = Files.list(lib)) {
        locked = files.anyMatch(p -> p.toString().endsWith(".lock"));
      }
      if (!locked && Files.isRegularFile(stamp) && Files.readString(stamp).contains(expected)) {
        return;
      }
      Thread.sleep(200);
    }
    try (Stream<Path> files = Files.list(lib)) {
      throw new AssertionError("the archive in " + lib + " was not remade 120 s after the first "
          + "command; lib/ holds " + files.map(p -> p.getFileName().toString())
          .filter(n -> !n.endsWith(".jar")).toList() + ", the stamp names "
          + (Files.isRegularFile(stamp) ? Files.readString(stamp).lines().findFirst()
              .orElse("") : "nothing"));
    }
  }

  private static void copyAll(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Waits for the archive the first command started in the background, and its lock to go. */
  private static Path awaitArchive(Path lib) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(lib)) {
        List<Path> all = files.toList();
        List<Path> archives = all.stream().filter(p -> p.toString().endsWith(".jsa")
            || p.toString().endsWith(".aot")).toList();
        boolean locked = all.stream().anyMatch(p -> p.toString().endsWith(".lock"));
        if (archives.size() == 1 && !locked) {
          return archives.get(0);
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no archive in " + lib + " 90 s after the first command");
  }

  private static void copyWithoutArchives(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".jsa") || name.endsWith(".aot") || name.endsWith(".jsa.cp")
            || name.endsWith(".aot.cp") || name.endsWith(".lock") || name.endsWith(".tmp")) {
          continue;
        }
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private Run lattice(Path home, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/lattice").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().remove("JAVA_OPTS");
    pb.environment().remove("LATTICE_CDS");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(cmd + " did not finish within 60 s");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** The background maker, if a failure left it running: every process naming the copy. */
  @AfterEach
  void killLeftOvers() {
    String marker = tmp.toString();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }
}
