package io.lattice.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogIndexTest {

  @Test
  void constants() {
    assertThat(LogIndex.NONE).isZero();
    assertThat(LogIndex.NO_TERM).isZero();
    assertThat(LogIndex.FIRST).isEqualTo(1);
    assertThat(LogIndex.prev(LogIndex.FIRST)).isEqualTo(LogIndex.NONE);
    assertThat(LogIndex.next(LogIndex.NONE)).isEqualTo(LogIndex.FIRST);
  }

  @ParameterizedTest
  @CsvSource({"0,1,-1", "1,2,0", "41,42,40"})
  void nextAndPrev(long i, long next, long prev) {
    assertThat(LogIndex.next(i)).isEqualTo(next);
    assertThat(LogIndex.prev(i)).isEqualTo(prev);
  }

  @ParameterizedTest(name = "count [{0},{1}] = {2}")
  @CsvSource({"1,0,0", "1,1,1", "1,10,10", "5,4,0", "5,3,0", "3,7,5"})
  void count(long first, long last, long n) {
    assertThat(LogIndex.count(first, last)).isEqualTo(n);
  }

  @ParameterizedTest
  @CsvSource({"0,0,0", "0,3,3", "7,1,8"})
  void lastAfterAppend(long last, int n, long expected) {
    assertThat(LogIndex.lastAfterAppend(last, n)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1,1,0", "5,1,4", "5,5,0", "12,10,2"})
  void positionAndBack(long index, long first, int pos) {
    assertThat(LogIndex.position(index, first)).isEqualTo(pos);
    assertThat(LogIndex.atPosition(pos, first)).isEqualTo(index);
  }

  @Test
  void positionBeforeFirstOrTooFarThrows() {
    assertThatThrownBy(() -> LogIndex.position(4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> LogIndex.position(1L + Integer.MAX_VALUE + 1, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(LogIndex.position(1L + Integer.MAX_VALUE, 1)).isEqualTo(Integer.MAX_VALUE);
  }

  @ParameterizedTest(name = "trailingStart({0},{1}) = {2}")
  @CsvSource({"0,0,1", "10,0,11", "10,1,10", "10,3,8", "10,10,1", "10,11,1", "10,1000,1", "1000,10,991"})
  void trailingStart(long snap, long trailing, long first) {
    assertThat(LogIndex.trailingStart(snap, trailing)).isEqualTo(first);
  }

  @ParameterizedTest
  @CsvSource({"-1,false", "0,false", "1,true", "99,true"})
  void isEntry(long i, boolean entry) {
    assertThat(LogIndex.isEntry(i)).isEqualTo(entry);
  }

  @ParameterizedTest(name = "within({0},{1},{2}) = {3}")
  @CsvSource({"10,10,0,true", "9,10,0,false", "9,10,1,true", "8,10,1,false", "0,64,64,true",
      "0,65,64,false", "12,10,0,true"})
  void within(long match, long last, long gap, boolean expected) {
    assertThat(LogIndex.within(match, last, gap)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"10,10,0", "3,10,7", "12,10,0", "0,1,1"})
  void lag(long match, long last, long lag) {
    assertThat(LogIndex.lag(match, last)).isEqualTo(lag);
  }
}
