package io.lattice.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MembershipTest {

  private static Membership abc() {
    return Membership.ofVoterIds("a", "b", "c");
  }

  @Test
  void queries() {
    Membership m = abc().apply(new MembershipChange.AddLearner("d", "10.0.0.4:7001", true));
    assertThat(m.voters()).containsExactly("a", "b", "c");
    assertThat(m.learners()).containsExactly("d");
    assertThat(m.contains("d")).isTrue();
    assertThat(m.contains("x")).isFalse();
    assertThat(m.isVoter("a")).isTrue();
    assertThat(m.isVoter("d")).isFalse();
    assertThat(m.isVoter("x")).isFalse();
    assertThat(m.isLearner("d")).isTrue();
    assertThat(m.isLearner("a")).isFalse();
    assertThat(m.isLearner("x")).isFalse();
    assertThat(m.member("d").peerAddress()).isEqualTo("10.0.0.4:7001");
    assertThat(m.member("d").autoPromote()).isTrue();
    assertThat(m.member("x")).isNull();
    assertThat(m.toString()).contains("voters=[a, b, c]").contains("learners=[d]");
  }

  @Test
  void ofVotersKeysById() {
    Membership m = Membership.ofVoters(List.of(Member.voter("b", "h:2"), Member.voter("a", "h:1")));
    assertThat(m.members().keySet()).containsExactly("a", "b");
    assertThat(m.member("b").peerAddress()).isEqualTo("h:2");
  }

  @Test
  void membersAreImmutableAndCopied() {
    TreeMap<String, Member> src = new TreeMap<>();
    src.put("a", Member.voter("a", ""));
    Membership m = new Membership(src);
    src.put("b", Member.voter("b", ""));
    assertThat(m.contains("b")).isFalse();
    assertThatThrownBy(() -> m.members().put("z", Member.voter("z", "")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void memberRules() {
    assertThatThrownBy(() -> Member.voter("", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Member.voter(null, "x")).isInstanceOf(NullPointerException.class);
    assertThat(Member.voter("a", null).peerAddress()).isEmpty();
    assertThat(new Member("a", "", true, true).autoPromote()).as("voters never auto-promote").isFalse();
    Member l = Member.learner("l", "addr", true);
    assertThat(l.voter()).isFalse();
    assertThat(l.autoPromote()).isTrue();
    Member p = l.promoted();
    assertThat(p.voter()).isTrue();
    assertThat(p.autoPromote()).isFalse();
    assertThat(p.peerAddress()).isEqualTo("addr");
    assertThat(p.id()).isEqualTo("l");
  }

  @Test
  void addLearner() {
    Membership before = abc();
    Membership after = before.apply(new MembershipChange.AddLearner("d", "addr", false));
    assertThat(after.learners()).containsExactly("d");
    assertThat(after.member("d").autoPromote()).isFalse();
    assertThat(before.contains("d")).as("apply does not modify the original").isFalse();
  }

  @Test
  void addExistingMemberIsRejected() {
    assertThatThrownBy(() -> abc().apply(new MembershipChange.AddLearner("a", "", false)))
        .isInstanceOf(MembershipException.class)
        .satisfies(e -> assertThat(((RaftException) e).reason())
            .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE));
    Membership withLearner = abc().apply(new MembershipChange.AddLearner("d", "", false));
    assertThatThrownBy(() -> withLearner.apply(new MembershipChange.AddLearner("d", "", true)))
        .isInstanceOf(MembershipException.class);
  }

  @Test
  void addLearnerWithInvalidIdIsAMembershipException() {
    assertThatThrownBy(() -> abc().apply(new MembershipChange.AddLearner("", "addr", false)))
        .isInstanceOf(MembershipException.class);
  }

  @Test
  void promote() {
    Membership m = abc().apply(new MembershipChange.AddLearner("d", "addr", true));
    Membership p = m.apply(new MembershipChange.Promote("d"));
    assertThat(p.voters()).containsExactly("a", "b", "c", "d");
    assertThat(p.learners()).isEmpty();
    assertThat(p.member("d").autoPromote()).isFalse();
    assertThat(p.member("d").peerAddress()).isEqualTo("addr");
  }

  @Test
  void promoteOfVoterOrStrangerIsRejected() {
    assertThatThrownBy(() -> abc().apply(new MembershipChange.Promote("a")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining("already a voter");
    assertThatThrownBy(() -> abc().apply(new MembershipChange.Promote("x")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void remove() {
    Membership m = abc().apply(new MembershipChange.Remove("b"));
    assertThat(m.voters()).containsExactly("a", "c");
    Membership one = Membership.ofVoterIds("a")
        .apply(new MembershipChange.AddLearner("l", "", false));
    assertThat(one.apply(new MembershipChange.Remove("l")).members().keySet()).containsExactly("a");
    assertThat(Membership.ofVoterIds("a", "b").apply(new MembershipChange.Remove("a")).voters())
        .containsExactly("b");
  }

  @Test
  void removeOfStrangerOrLastVoterIsRejected() {
    assertThatThrownBy(() -> abc().apply(new MembershipChange.Remove("x")))
        .isInstanceOf(MembershipException.class);
    Membership one = Membership.ofVoterIds("a").apply(new MembershipChange.AddLearner("l", "", true));
    assertThatThrownBy(() -> one.apply(new MembershipChange.Remove("a")))
        .isInstanceOf(MembershipException.class)
        .hasMessageContaining("last voter");
  }

  static Stream<Membership> samples() {
    Membership m = Membership.ofVoters(
        List.of(Member.voter("n1", "127.0.0.1:7001"), Member.voter("n2", "127.0.0.1:7002")));
    return Stream.of(
        Membership.EMPTY,
        Membership.ofVoterIds("a"),
        abc(),
        m,
        m.apply(new MembershipChange.AddLearner("n3", "127.0.0.1:7003", true)),
        m.apply(new MembershipChange.AddLearner("n3", "", false)),
        Membership.ofVoters(List.of(Member.voter("ünïcødé-節点", "höst:1"))));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void encodeDecodeRoundTrip(Membership m) {
    byte[] bytes = m.encode();
    Membership back = Membership.decode(bytes);
    assertThat(back).isEqualTo(m);
    assertThat(back.encode()).isEqualTo(bytes);
    assertThat(bytes[0]).as("format version").isEqualTo((byte) 1);
  }

  @Test
  void encodingLayout() {
    Membership m = Membership.ofVoterIds("a", "b")
        .apply(new MembershipChange.AddLearner("l", "xy", true));
    ByteBuffer buf = ByteBuffer.wrap(m.encode());
    assertThat(buf.get()).isEqualTo((byte) 1);
    assertThat(buf.getInt()).isEqualTo(3);
    assertThat(buf.get()).as("a: voter").isEqualTo((byte) 1);
    assertThat(buf.getShort()).isEqualTo((short) 1);
    assertThat(buf.get()).isEqualTo((byte) 'a');
    assertThat(buf.getShort()).isZero();
    buf.get();
    buf.getShort();
    buf.get();
    buf.getShort();
    assertThat(buf.get()).as("l: learner with auto-promote").isEqualTo((byte) 2);
    assertThat(buf.getShort()).isEqualTo((short) 1);
    assertThat(buf.get()).isEqualTo((byte) 'l');
    assertThat(buf.getShort()).isEqualTo((short) 2);
    assertThat(buf.get()).isEqualTo((byte) 'x');
    assertThat(buf.get()).isEqualTo((byte) 'y');
    assertThat(buf.hasRemaining()).isFalse();
  }

  @Test
  void tooLongAddressIsRefusedNotCorrupted() {
    String longAddress = "x".repeat(70_000);
    Membership m;
    try {
      m = abc().apply(new MembershipChange.AddLearner("d", longAddress, false));
    } catch (MembershipException refused) {
      return; // refused up front: fine
    }
    Membership built = m;
    byte[] bytes;
    try {
      bytes = built.encode();
    } catch (IllegalArgumentException refused) {
      return; // refused at encoding: fine
    }
    assertThat(Membership.decode(bytes)).as("encode must not produce unreadable bytes").isEqualTo(m);
  }

  @Test
  void setClientAddressChangesOnlyThatAddress() {
    Membership m = abc().apply(new MembershipChange.AddLearner("d", "h:7104", "", true));
    Membership after = m.apply(new MembershipChange.SetClientAddress("d", "h:7004"));
    assertThat(after.member("d")).isEqualTo(Member.learner("d", "h:7104", "h:7004", true));
    assertThat(after.voters()).isEqualTo(m.voters());
    assertThat(after.learners()).isEqualTo(m.learners());
    assertThat(Membership.decode(after.encode())).isEqualTo(after);
    assertThatThrownBy(() -> m.apply(new MembershipChange.SetClientAddress("x", "h:1")))
        .isInstanceOf(MembershipException.class).hasMessageContaining("does not exist");
  }

  @Test
  void addLearnerKeepsBothAddresses() {
    Membership m = abc().apply(new MembershipChange.AddLearner("d", "h:7104", "h:7004", false));
    assertThat(m.member("d").peerAddress()).isEqualTo("h:7104");
    assertThat(m.member("d").clientAddress()).isEqualTo("h:7004");
    assertThat(Membership.decode(m.encode()).member("d")).isEqualTo(m.member("d"));
  }

  /**
   * A CONFIG entry or snapshot header written before members had two addresses (format version 1)
   * decodes, with its one address (the one peers dialled) as the peer address.
   */
  @Test
  void aConfigurationWrittenBeforeTwoListenersDecodesWithItsAddressAsThePeerAddress() {
    byte[] old = {1, 0, 0, 0, 2,
        1, 0, 2, 'n', '1', 0, 6, '1', '.', '1', ':', '7', '1',
        2, 0, 2, 'n', '2', 0, 0};
    Membership m = Membership.decode(old);
    assertThat(m.member("n1")).isEqualTo(Member.voter("n1", "1.1:71", ""));
    assertThat(m.member("n2")).isEqualTo(Member.learner("n2", "", "", true));
  }

  @Test
  void decodeRejectsUnknownVersion() {
    byte[] bytes = abc().encode();
    bytes[0] = 3;
    assertThatThrownBy(() -> Membership.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, Integer.MIN_VALUE, 1000})
  void decodeRejectsBadCount(int count) {
    byte[] bytes = ByteBuffer.allocate(5).put((byte) 1).putInt(count).array();
    assertThatThrownBy(() -> Membership.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decodeRejectsTrailingBytes() {
    byte[] ok = abc().encode();
    byte[] bytes = Arrays.copyOf(ok, ok.length + 1);
    assertThatThrownBy(() -> Membership.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void decodeRejectsEveryTruncation() {
    byte[] ok = abc().apply(new MembershipChange.AddLearner("d", "addr", true)).encode();
    for (int len = 0; len < ok.length; len++) {
      byte[] cut = Arrays.copyOf(ok, len);
      assertThatThrownBy(() -> Membership.decode(cut))
          .as("prefix of %d bytes", len)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void decodeRejectsEmptyId() {
    byte[] bytes = ByteBuffer.allocate(1 + 4 + 1 + 2 + 2)
        .put((byte) 1).putInt(1).put((byte) 1).putShort((short) 0).putShort((short) 0).array();
    assertThatThrownBy(() -> Membership.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
  }

  static IntStream seeds() {
    return IntStream.range(0, 200);
  }

  /** Fuzz: garbage, and valid encodings with bytes flipped, only ever fail with IAE. */
  @ParameterizedTest
  @MethodSource("seeds")
  void decodeOfGarbageThrowsOnlyIllegalArgument(int seed) {
    Random rnd = new Random(seed);
    byte[] bytes;
    if (seed % 2 == 0) {
      bytes = new byte[rnd.nextInt(40)];
      rnd.nextBytes(bytes);
      if (bytes.length > 0 && rnd.nextBoolean()) {
        bytes[0] = 1; // get past the version check more often
      }
    } else {
      bytes = abc().apply(new MembershipChange.AddLearner("learner", "127.0.0.1:9", true)).encode();
      int flips = 1 + rnd.nextInt(3);
      for (int i = 0; i < flips; i++) {
        bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 << rnd.nextInt(8));
      }
    }
    try {
      Membership m = Membership.decode(bytes);
      assertThat(Membership.decode(m.encode())).isEqualTo(m);
    } catch (IllegalArgumentException expected) {
      // fine
    }
  }

  @Test
  void longestEncodableStrings() {
    String max = "a".repeat(0xFFFF);
    Membership m = abc().apply(new MembershipChange.AddLearner("d", max, false));
    assertThat(Membership.decode(m.encode())).isEqualTo(m);
    assertThatThrownBy(() -> abc().apply(new MembershipChange.AddLearner("d", max + "a", false)))
        .isInstanceOf(MembershipException.class);
    assertThatThrownBy(() -> abc().apply(new MembershipChange.AddLearner(max + "a", "", false)))
        .isInstanceOf(MembershipException.class);
    Membership idMax = abc().apply(new MembershipChange.AddLearner(max, "", false));
    assertThat(Membership.decode(idMax.encode())).isEqualTo(idMax);
    Membership built = Membership.ofVoters(List.of(Member.voter("x", max + "b")));
    assertThatThrownBy(built::encode).isInstanceOf(IllegalArgumentException.class);
  }

}
