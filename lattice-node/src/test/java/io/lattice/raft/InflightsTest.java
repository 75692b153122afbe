package io.lattice.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InflightsTest {

  @Test
  void fillsUpToCapacity() {
    Inflights in = new Inflights(3);
    assertThat(in.full()).isFalse();
    assertThat(in.count()).isZero();
    in.add(1);
    in.add(2);
    assertThat(in.full()).isFalse();
    in.add(2); // equal indexes are allowed (an empty append)
    assertThat(in.full()).isTrue();
    assertThat(in.count()).isEqualTo(3);
    assertThatThrownBy(() -> in.add(5)).isInstanceOf(IllegalStateException.class);
    assertThat(in.count()).isEqualTo(3);
  }

  @Test
  void indexesMustNotGoBack() {
    Inflights in = new Inflights(5);
    in.add(10);
    assertThatThrownBy(() -> in.add(9)).isInstanceOf(IllegalStateException.class);
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void freeUpToReleasesAcknowledgedPrefix() {
    Inflights in = new Inflights(10);
    for (long i : new long[] {3, 5, 8, 13}) {
      in.add(i);
    }
    in.freeUpTo(2);
    assertThat(in.count()).isEqualTo(4);
    in.freeUpTo(5);
    assertThat(in.count()).isEqualTo(2);
    in.freeUpTo(12);
    assertThat(in.count()).isEqualTo(1);
    in.freeUpTo(13);
    assertThat(in.count()).isZero();
    in.freeUpTo(100); // nothing left: no-op
    assertThat(in.count()).isZero();
  }

  @Test
  void freeingMakesRoomAgain() {
    Inflights in = new Inflights(2);
    in.add(1);
    in.add(2);
    assertThat(in.full()).isTrue();
    in.freeUpTo(1);
    assertThat(in.full()).isFalse();
    in.add(3);
    assertThat(in.full()).isTrue();
    in.clear();
    assertThat(in.count()).isZero();
    assertThat(in.full()).isFalse();
    in.add(1); // after clear, any index may be added
    assertThat(in.count()).isEqualTo(1);
  }

  @Test
  void freeFirstOneForgetsTheOldest() {
    Inflights in = new Inflights(2);
    in.freeFirstOne(); // empty: nothing happens
    assertThat(in.count()).isZero();
    in.add(4);
    in.add(7);
    in.freeFirstOne();
    assertThat(in.count()).isEqualTo(1);
    assertThat(in.full()).isFalse();
    in.freeUpTo(6);
    assertThat(in.count()).as("7 is still in flight").isEqualTo(1);
    in.freeUpTo(7);
    assertThat(in.count()).isZero();
  }

}
