package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What gRPC and Netty log through java.util.logging (a name that does not resolve is logged as a
 * WARNING with a stack trace) reaches no handler, so not the terminal, unless the command has -v.
 */
class LibraryLoggingTest {
  private final List<LogRecord> published = new ArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      published.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger root = Logger.getLogger("");

  @BeforeEach
  void listen() {
    root.addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    root.removeHandler(capture);
    LibraryLogging.configure(true);
  }

  private void libraryWarns() {
    Logger.getLogger("io.grpc.internal.ManagedChannelImpl").log(Level.WARNING,
        "[Channel<1>: (no-such-host:7001)] Failed to resolve name.",
        new java.net.UnknownHostException("no-such-host"));
    Logger.getLogger("io.netty.util.internal.PlatformDependent").warning("netty says so");
  }

  @Test
  void withoutVerboseLibraryWarningsAreDropped() {
    Cli.Result r = Cli.run("version");
    assertThat(r.code()).isZero();
    libraryWarns();
    assertThat(published).isEmpty();
  }

  @Test
  void withVerboseTheyAreShownAndTheNextCommandWithoutItIsQuietAgain() {
    assertThat(Cli.run("version", "-v").code()).isZero();
    libraryWarns();
    assertThat(published).extracting(LogRecord::getLoggerName).containsExactly(
        "io.grpc.internal.ManagedChannelImpl", "io.netty.util.internal.PlatformDependent");
    published.clear();
    assertThat(Cli.run("version").code()).isZero();
    libraryWarns();
    assertThat(published).isEmpty();
  }
}
