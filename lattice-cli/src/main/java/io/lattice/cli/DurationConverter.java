package io.lattice.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parses a duration as Go's duration flags do: one or more numbers, each with its unit ({@code
 * ms}, {@code s}, {@code m}, {@code h}), e.g. {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 1m},
 * {@code 1m30s}. A bare number is refused: {@code 1000} could mean milliseconds or seconds, and
 * guessing wrong turns a one-second limit into a quarter-hour one.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  /** One number with its unit; a duration is one or more of these, nothing between them. */
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ms|s|m|h)");
  private static final Pattern BARE = Pattern.compile("\\d+(?:\\.\\d*)?|\\.\\d+");

  @Override
  public Duration convert(String value) {
    Duration d = parse(value);
    if (d.toMillis() < 1) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "': the duration must be at least 1ms");
    }
    return d;
  }

  /** Parses {@code value} (zero allowed). */
  static Duration parse(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (BARE.matcher(v).matches()) {
      throw new CommandLine.TypeConversionException("'" + value + "' has no unit: add a unit: "
          + v + "ms or " + v + "s");
    }
    Matcher m = PART.matcher(v);
    int at = 0;
    double millis = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      millis += Double.parseDouble(m.group(1)) * switch (m.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m" -> 60_000;
        default -> 3_600_000;
      };
      at = m.end();
    }
    if (at == 0 || at != v.length()) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration (e.g. 500ms, 5s, 1m, 1m30s)");
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** The same, but zero is allowed ({@code 0s}, or {@code 0}, which needs no unit). */
  public static final class OrZero implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      if (value.trim().matches("0+(\\.0*)?")) {
        return Duration.ZERO;
      }
      return parse(value);
    }
  }
}
