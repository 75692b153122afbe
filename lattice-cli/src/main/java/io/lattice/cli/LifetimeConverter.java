package io.lattice.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Parses certificate lifetimes: {@code 8760h}, {@code 366d}, {@code 10y} (a year is 365 days); a
 * bare number is refused, as by {@link DurationConverter}: the unit is not to be guessed. At least an hour: a shorter certificate would expire before it is
 * deployed.
 */
final class LifetimeConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    long hoursPer;
    String number = v.substring(0, Math.max(0, v.length() - 1));
    if (v.endsWith("h")) {
      hoursPer = 1;
    } else if (v.endsWith("d")) {
      hoursPer = 24;
    } else if (v.endsWith("y")) {
      hoursPer = 24 * 365;
    } else {
      if (v.matches("\\d+")) {
        throw new CommandLine.TypeConversionException("'" + value + "' has no unit: add a unit: "
            + v + "d or " + v + "h");
      }
      hoursPer = 0;
    }
    long n;
    try {
      if (hoursPer == 0) {
        throw new NumberFormatException(v);
      }
      n = Long.parseLong(number);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a lifetime (e.g. 8760h, 366d, 10y)");
    }
    if (n < 1 || n > 100L * 365 * 24 / hoursPer) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "': a lifetime is between 1h and 100y");
    }
    return Duration.ofHours(n * hoursPer);
  }
}
