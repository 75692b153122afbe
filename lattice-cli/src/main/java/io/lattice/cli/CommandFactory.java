package io.lattice.cli;

import java.lang.reflect.Constructor;
import picocli.CommandLine;

/**
 * Creates command objects for picocli, handing the {@link CliContext} to every class that has a
 * constructor taking one; everything else (mixins, converters) is created by picocli's default
 * factory.
 */
final class CommandFactory implements CommandLine.IFactory {
  private final CliContext context;
  private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

  CommandFactory(CliContext context) {
    this.context = context;
  }

  @Override
  public <K> K create(Class<K> cls) throws Exception {
    Constructor<K> withContext;
    try {
      withContext = cls.getDeclaredConstructor(CliContext.class);
    } catch (NoSuchMethodException e) {
      return fallback.create(cls);
    }
    withContext.setAccessible(true);
    return withContext.newInstance(context);
  }
}
