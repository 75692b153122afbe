package io.lattice.sim;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the level of the node's loggers to WARN while simulations run: a thousand runs of real
 * node loops would otherwise log every election, restart and snapshot. The disk-space monitor is
 * silenced altogether: its alarms (disk full, snapshot failed, started on a full disk) are what
 * the simulated disk-full faults are meant to cause, and the runs count them instead. Logback is
 * only a runtime dependency of the module (the tests compile against SLF4J), hence the
 * reflection; with another SLF4J binding this does nothing.
 */
final class QuietLogs implements AutoCloseable {
  private static final Map<String, String> LEVELS = Map.of(
      "io.lattice.node", "WARN",
      "io.lattice.node.DiskSpaceMonitor", "OFF");
  /** Logger name to its level before (null: inherited), for the loggers that were changed. */
  private final Map<String, Object> previous = new LinkedHashMap<>();

  private QuietLogs() {
    for (Map.Entry<String, String> e : LEVELS.entrySet()) {
      try {
        Object before = invoke(e.getKey(), "getLevel");
        invoke(e.getKey(), "setLevel", level(e.getValue()));
        previous.put(e.getKey(), before);
      } catch (ReflectiveOperationException | RuntimeException ex) {
        // not logback: leave the logging as it is
      }
    }
  }

  static QuietLogs quiet() {
    return new QuietLogs();
  }

  @Override
  public void close() {
    for (Map.Entry<String, Object> e : previous.entrySet()) {
      try {
        invoke(e.getKey(), "setLevel", e.getValue());
      } catch (ReflectiveOperationException | RuntimeException ex) {
        // nothing to restore
      }
    }
  }

  private static Object level(String name) throws ReflectiveOperationException {
    Class<?> c = Class.forName("ch.qos.logback.classic.Level");
    return c.getField(name).get(null);
  }

  private static Object invoke(String loggerName, String method, Object... args)
      throws ReflectiveOperationException {
    Logger logger = LoggerFactory.getLogger(loggerName);
    for (Method m : logger.getClass().getMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        return m.invoke(logger, args);
      }
    }
    throw new NoSuchMethodException(method);
  }
}
