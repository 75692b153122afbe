package io.lattice.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class QuorumTest {

  @ParameterizedTest(name = "majority of {0} is {1}")
  @CsvSource({"0,1", "1,1", "2,2", "3,2", "4,3", "5,3", "6,4", "7,4", "8,5", "9,5"})
  void majoritySizes(int voters, int majority) {
    assertThat(Quorum.majority(voters)).isEqualTo(majority);
  }

  /** voter ids a, b, c, … with the given values. */
  private static Map<String, Long> values(long... vs) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < vs.length; i++) {
      m.put(String.valueOf((char) ('a' + i)), vs[i]);
    }
    return m;
  }

  static Stream<Arguments> majorityValueCases() {
    return Stream.of(
        Arguments.of(new long[] {}, 0L),
        Arguments.of(new long[] {5}, 5L),
        Arguments.of(new long[] {5, 3}, 3L),
        Arguments.of(new long[] {3, 5}, 3L),
        Arguments.of(new long[] {1, 2, 3}, 2L),
        Arguments.of(new long[] {3, 2, 1}, 2L),
        Arguments.of(new long[] {3, 3, 1}, 3L),
        Arguments.of(new long[] {1, 1, 3}, 1L),
        Arguments.of(new long[] {0, 0, 7}, 0L),
        Arguments.of(new long[] {4, 1, 2, 3}, 2L),
        Arguments.of(new long[] {4, 4, 4, 1}, 4L),
        Arguments.of(new long[] {4, 4, 1, 1}, 1L),
        Arguments.of(new long[] {10, 20, 30, 40, 50}, 30L),
        Arguments.of(new long[] {50, 50, 50, 0, 0}, 50L),
        Arguments.of(new long[] {50, 50, 0, 0, 0}, 0L),
        Arguments.of(new long[] {9, 8, 7, 6, 5, 4}, 6L),
        Arguments.of(new long[] {1, 2, 3, 4, 5, 6, 7}, 4L));
  }

  @ParameterizedTest(name = "{index}: {0} -> {1}")
  @MethodSource("majorityValueCases")
  void majorityValueIsTheHighestValueReachedByAMajority(long[] vs, long expected) {
    Map<String, Long> m = values(vs);
    assertThat(Quorum.majorityValue(m.keySet(), m::get)).isEqualTo(expected);
    // Definition check: at least a majority has >= the value, and no higher value is reached by one.
    if (!m.isEmpty()) {
      long atLeast = m.values().stream().filter(v -> v >= expected).count();
      assertThat(atLeast).isGreaterThanOrEqualTo(Quorum.majority(m.size()));
      long above = m.values().stream().filter(v -> v > expected).count();
      assertThat(above).isLessThan(Quorum.majority(m.size()));
    }
  }

  @Test
  void majorityValueOnlyAsksVoters() {
    Set<String> voters = new TreeSet<>(List.of("a", "b", "c"));
    Map<String, Long> m = Map.of("a", 9L, "b", 9L, "c", 1L, "learner", 100L);
    assertThat(Quorum.majorityValue(voters, m::get)).isEqualTo(9L);
  }

  private static Map<String, Boolean> votes(String spec) {
    // spec: "a+ b- c?" (? = no vote)
    Map<String, Boolean> m = new HashMap<>();
    if (spec.isBlank()) {
      return m;
    }
    for (String s : spec.trim().split("\\s+")) {
      char c = s.charAt(s.length() - 1);
      String id = s.substring(0, s.length() - 1);
      if (c == '+') {
        m.put(id, true);
      } else if (c == '-') {
        m.put(id, false);
      }
    }
    return m;
  }

  @ParameterizedTest(name = "voters={0} votes=[{1}] -> {2}")
  @CsvSource(
      delimiter = ';',
      value = {
        "a;a+;WON",
        "a;a-;LOST",
        "a;;PENDING",
        "a b;a+;PENDING",
        "a b;a+ b+;WON",
        "a b;a+ b-;LOST",
        "a b;a-;LOST",
        "a b c;a+;PENDING",
        "a b c;a+ b+;WON",
        "a b c;a+ b-;PENDING",
        "a b c;a+ b- c-;LOST",
        "a b c;b- c-;LOST",
        "a b c;a+ b- c+;WON",
        "a b c d;a+ b+;PENDING",
        "a b c d;a+ b+ c+;WON",
        "a b c d;a+ b-;PENDING",
        "a b c d;a+ b- c-;LOST",
        "a b c d e;a+ b+ c-;PENDING",
        "a b c d e;a+ b+ c- d-;PENDING",
        "a b c d e;a+ b- c- d-;LOST",
        "a b c d e;a+ b+ c+;WON",
        // votes of non-voters never count
        "a b c;a+ x+ y+;PENDING",
        "a b c;a+ x- y-;PENDING",
      })
  void tally(String voters, String spec, Quorum.VoteResult expected) {
    Set<String> vs = new TreeSet<>(List.of(voters.split(" ")));
    assertThat(Quorum.tally(vs, votes(spec == null ? "" : spec))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "voters={0} active={1} -> {2}")
  @CsvSource(
      delimiter = ';',
      value = {
        "a;a;true",
        "a;;false",
        "a b;a;false",
        "a b;a b;true",
        "a b c;a;false",
        "a b c;a c;true",
        "a b c d;a c;false",
        "a b c d;a c d;true",
        "a b c d e;b c d;true",
        "a b c d e;x y z;false",
      })
  void isActive(String voters, String active, boolean expected) {
    Set<String> vs = new TreeSet<>(List.of(voters.split(" ")));
    Set<String> act = active == null ? Set.of() : Set.of(active.split(" "));
    assertThat(Quorum.isActive(vs, act::contains)).isEqualTo(expected);
  }

  @Test
  void isActiveWithNoVotersIsFalse() {
    assertThat(Quorum.isActive(Set.of(), v -> true)).isFalse();
  }
}
