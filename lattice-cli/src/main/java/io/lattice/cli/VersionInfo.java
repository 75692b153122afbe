package io.lattice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The CLI's version, from the build (version.properties, filtered by Maven). */
public final class VersionInfo {
  private VersionInfo() {}

  /** For example "0.1.0-SNAPSHOT"; "development" if the resource is missing. */
  public static String version() {
    try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "development";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      return v.isEmpty() || v.startsWith("${") ? "development" : v;
    } catch (IOException e) {
      return "development";
    }
  }

  /** {@code lattice --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"lattice " + version()};
    }
  }
}
