package io.lattice.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes the defaults of the global options from the environment: {@code LATTICE_ENDPOINTS},
 * {@code LATTICE_TIMEOUT}, {@code LATTICE_OUTPUT}, and the TLS files {@code LATTICE_CACERT},
 * {@code LATTICE_CERT}, {@code LATTICE_KEY}, {@code LATTICE_CERTS_DIR}. An option given on the command line still wins;
 * an unset or blank variable leaves the built-in default.
 */
final class EnvDefaults implements CommandLine.IDefaultValueProvider {
  static final Map<String, String> VARIABLES = Map.of(
      "--endpoints", "LATTICE_ENDPOINTS",
      "--timeout", "LATTICE_TIMEOUT",
      "--output", "LATTICE_OUTPUT",
      "--cacert", "LATTICE_CACERT",
      "--cert", "LATTICE_CERT",
      "--key", "LATTICE_KEY",
      "--certs-dir", "LATTICE_CERTS_DIR");

  private final Map<String, String> env;

  EnvDefaults(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec o) {
      String variable = VARIABLES.get(o.longestName());
      if (variable != null) {
        String v = env.get(variable);
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
    }
    return null; // picocli then uses the option's own default
  }
}
