package io.lattice.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Parses {@code 250ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, or a bare number of seconds. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    double factorMillis;
    String number;
    if (v.endsWith("ms")) {
      factorMillis = 1;
      number = v.substring(0, v.length() - 2);
    } else if (v.endsWith("s")) {
      factorMillis = 1000;
      number = v.substring(0, v.length() - 1);
    } else if (v.endsWith("m")) {
      factorMillis = 60_000;
      number = v.substring(0, v.length() - 1);
    } else {
      factorMillis = 1000;
      number = v;
    }
    double n;
    try {
      n = Double.parseDouble(number);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration (e.g. 500ms, 5s, 1m)");
    }
    long millis = Math.round(n * factorMillis);
    if (!(n > 0) || millis < 1) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "': the duration must be at least 1ms");
    }
    return Duration.ofMillis(millis);
  }

  /** The same, but zero ({@code 0}, {@code 0s}) is allowed. */
  public static final class OrZero implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().replaceAll("(ms|s|m)$", "");
      try {
        if (Double.parseDouble(v) == 0) {
          return Duration.ZERO;
        }
      } catch (NumberFormatException e) {
        // not a number: let the main converter say so
      }
      return new DurationConverter().convert(value);
    }
  }
}
