package io.lattice.sim;

import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the level of the node's loggers to WARN while simulations run: a thousand runs of real
 * node loops would otherwise log every election, restart and snapshot. Logback is only a runtime
 * dependency of the module (the tests compile against SLF4J), hence the reflection; with another
 * SLF4J binding this does nothing.
 */
final class QuietLogs implements AutoCloseable {
  private static final String LOGGER = "io.lattice.node";
  private final Object previous;
  private final boolean changed;

  private QuietLogs() {
    Object before = null;
    boolean ok = false;
    try {
      before = invoke("getLevel");
      invoke("setLevel", level("WARN"));
      ok = true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      // not logback: leave the logging as it is
    }
    previous = before;
    changed = ok;
  }

  static QuietLogs quiet() {
    return new QuietLogs();
  }

  @Override
  public void close() {
    if (changed) {
      try {
        invoke("setLevel", previous);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // nothing to restore
      }
    }
  }

  private static Object level(String name) throws ReflectiveOperationException {
    Class<?> c = Class.forName("ch.qos.logback.classic.Level");
    return c.getField(name).get(null);
  }

  private static Object invoke(String method, Object... args) throws ReflectiveOperationException {
    Logger logger = LoggerFactory.getLogger(LOGGER);
    for (Method m : logger.getClass().getMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        return m.invoke(logger, args);
      }
    }
    throw new NoSuchMethodException(method);
  }
}
