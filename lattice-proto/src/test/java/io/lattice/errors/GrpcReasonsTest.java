package io.lattice.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.lattice.proto.v1.ErrorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The one table of reasons agrees with the wire enum and with what errors.proto documents. */
class GrpcReasonsTest {
  private static final Path ERRORS_PROTO = Path.of("src/main/proto/lattice/v1/errors.proto");

  @Test
  void everyReasonHasAWireValueOfTheSameNameAndBack() {
    for (Reason r : Reason.values()) {
      assertThat(GrpcReasons.fromWire(GrpcReasons.toWire(r))).isEqualTo(r);
    }
    Set<String> wire = Arrays.stream(ErrorInfo.Reason.values())
        .filter(w -> w != ErrorInfo.Reason.REASON_UNSPECIFIED && w != ErrorInfo.Reason.UNRECOGNIZED)
        .map(Enum::name).collect(Collectors.toSet());
    Set<String> table = Arrays.stream(Reason.values()).map(Enum::name)
        .collect(Collectors.toSet());
    assertThat(table).isEqualTo(wire);
    assertThat(GrpcReasons.fromWire(ErrorInfo.Reason.REASON_UNSPECIFIED)).isNull();
    assertThat(GrpcReasons.fromWire(ErrorInfo.Reason.UNRECOGNIZED)).isNull();
  }

  /** Each value's comment in errors.proto starts with the status code it is sent with. */
  @Test
  void everyReasonIsSentWithTheCodeErrorsProtoDocuments() throws IOException {
    Map<String, String> documented = documentedCodes(Files.readAllLines(ERRORS_PROTO));
    assertThat(documented.keySet()).containsAll(
        Arrays.stream(Reason.values()).map(Enum::name).toList());
    for (Reason r : Reason.values()) {
      assertThat(GrpcReasons.codeOf(r).name()).as(r.name()).isEqualTo(documented.get(r.name()));
    }
  }

  /**
   * Only INDETERMINATE, INTERNAL and RESULT_NOT_RETAINED (a retry of a write that was applied,
   * whose result is lost) leave open that the request was applied.
   */
  @Test
  void onlyIndeterminateAndInternalMayHaveApplied() {
    List<Reason> maybe = Arrays.stream(Reason.values())
        .filter(r -> r.effect() == Reason.Effect.MAYBE).toList();
    assertThat(maybe).containsExactlyInAnyOrder(Reason.INDETERMINATE, Reason.INTERNAL,
        Reason.RESULT_NOT_RETAINED);
    assertThat(GrpcReasons.codeOf(Reason.SHUTTING_DOWN)).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private static Map<String, String> documentedCodes(List<String> lines) {
    Pattern first = Pattern.compile("^\\s*//\\s*([A-Z_]+)\\.\\s");
    Pattern value = Pattern.compile("^\\s*([A-Z_]+)\\s*=\\s*\\d+;");
    Map<String, String> out = new HashMap<>();
    String code = null;
    boolean inComment = false;
    for (String line : lines) {
      Matcher v = value.matcher(line);
      if (v.find()) {
        if (code != null) {
          out.put(v.group(1), code);
        }
        code = null;
        inComment = false;
        continue;
      }
      boolean comment = line.trim().startsWith("//");
      if (comment && !inComment) {
        Matcher m = first.matcher(line);
        code = m.find() ? m.group(1) : null;
      }
      inComment = comment;
    }
    return out;
  }
}
