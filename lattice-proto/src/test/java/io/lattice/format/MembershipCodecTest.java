package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MembershipCodecTest {

  private static List<MemberRecord> roundTrip(List<MemberRecord> members) throws FormatException {
    return MembershipCodec.decode(MembershipCodec.encode(members));
  }

  @Test
  void emptyMembershipRoundTrips() throws FormatException {
    byte[] bytes = MembershipCodec.encode(List.of());
    assertThat(bytes).containsExactly(1, 0, 0, 0, 0);
    assertThat(MembershipCodec.decode(bytes)).isEmpty();
  }

  @Test
  void everyFlagCombinationRoundTrips() throws FormatException {
    List<MemberRecord> members = List.of(
        new MemberRecord("n1", "10.0.0.1:7000", true, false),
        new MemberRecord("n2", "10.0.0.2:7000", false, false),
        new MemberRecord("n3", "10.0.0.3:7000", false, true),
        new MemberRecord("n4", "10.0.0.4:7000", true, true));
    assertThat(roundTrip(members)).isEqualTo(members);
  }

  @Test
  void unicodeIdsAndAddressesRoundTrip() throws FormatException {
    List<MemberRecord> members = List.of(
        new MemberRecord("節点-一", "[::1]:7000", true, false),
        new MemberRecord("n\uD83D\uDE00", "hôst.exämple:1", false, true));
    assertThat(roundTrip(members)).isEqualTo(members);
  }

  /** The address is optional: an empty or null address is stored as length 0 and reads back empty. */
  @Test
  void emptyAndNullAddressesReadBackEmpty() throws FormatException {
    assertThat(roundTrip(List.of(new MemberRecord("n1", "", true, false))))
        .containsExactly(new MemberRecord("n1", "", true, false));
    assertThat(roundTrip(List.of(new MemberRecord("n1", null, true, false))))
        .containsExactly(new MemberRecord("n1", "", true, false));
  }

  @Test
  void longestStringsRoundTrip() throws FormatException {
    List<MemberRecord> members = List.of(new MemberRecord("i".repeat(0xFFFF), "a".repeat(0xFFFF), true, false));
    assertThat(roundTrip(members)).isEqualTo(members);
  }

  /** A string that does not fit its u16 length field cannot be written (it could never be read). */
  @Test
  void stringsTooLongForTheirLengthFieldAreRefused() {
    assertThatThrownBy(() -> MembershipCodec.encode(List.of(new MemberRecord("i".repeat(0x10000), "a", true, false))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MembershipCodec.encode(List.of(new MemberRecord("i", "é".repeat(0x8000), true, false))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manyMembersRoundTrip() throws FormatException {
    Random rnd = new Random(Fixtures.baseSeed());
    for (int i = 0; i < 300; i++) {
      List<MemberRecord> members = Fixtures.randomMembers(rnd, i < 10 ? 1000 : 9);
      assertThat(roundTrip(members)).as("case %d", i).isEqualTo(members);
    }
  }

  @Test
  void layoutMatchesTheDocumentation() {
    byte[] bytes = MembershipCodec.encode(List.of(new MemberRecord("ab", "c", false, true)));
    assertThat(bytes).containsExactly(1, 0, 0, 0, 1, 2, 0, 2, 'a', 'b', 0, 1, 'c');
  }

  @Test
  void clientAddressesAreWrittenInVersionTwo() {
    byte[] bytes = MembershipCodec.encode(List.of(new MemberRecord("ab", "c", "d:1", false, true)));
    assertThat(bytes).containsExactly(2, 0, 0, 0, 1, 2, 0, 2, 'a', 'b', 0, 1, 'c', 0, 3, 'd', ':',
        '1');
  }

  /**
   * An entry or snapshot written before members had two addresses (version 1, one address, the one
   * peers dialled) still decodes: its address becomes the peer address, the client address is empty.
   */
  @Test
  void aVersionOneEncodingFromBeforeTwoListenersDecodesItsAddressAsThePeerAddress()
      throws FormatException {
    byte[] old = {1, 0, 0, 0, 1, 1, 0, 2, 'n', '1', 0, 3, 'a', ':', '1'};
    assertThat(MembershipCodec.decode(old))
        .containsExactly(new MemberRecord("n1", "a:1", "", true, false));
  }

  @Test
  void membersWithAndWithoutClientAddressesRoundTrip() throws FormatException {
    List<MemberRecord> members = List.of(new MemberRecord("n1", "10.0.0.1:7101", "10.0.0.1:7001",
        true, false), new MemberRecord("n2", "10.0.0.2:7101", "", false, true));
    assertThat(roundTrip(members)).isEqualTo(members);
  }

  @Test
  void malformedEncodingsAreRejected() {
    byte[] valid = MembershipCodec.encode(List.of(new MemberRecord("ab", "c", true, false)));
    assertRejected(new byte[0], "truncated");
    assertRejected(new byte[] {3, 0, 0, 0, 0}, "version");
    assertRejected(new byte[] {0, 0, 0, 0, 0}, "version");
    assertRejected(new byte[] {1, (byte) 0x80, 0, 0, 0}, "member count");
    assertRejected(new byte[] {1, 0, 0, 0, 100}, "member count");
    byte[] flags = valid.clone();
    flags[5] = 4;
    assertRejected(flags, "flags");
    flags[5] = (byte) 0x81;
    assertRejected(flags, "flags");
    assertRejected(MembershipCodec.encode(List.of(new MemberRecord("", "c", true, false))), "empty member id");
    assertRejected(Arrays.copyOf(valid, valid.length + 1), "trailing");
    for (int n = 0; n < valid.length; n++) {
      assertRejected(Fixtures.truncate(valid, n), "");
    }
  }

  @Test
  void countLargerThanTheMembersPresentIsTruncation() {
    byte[] bytes = MembershipCodec.encode(List.of(new MemberRecord("ab", "c", true, false)));
    ByteBuffer.wrap(bytes).putInt(1, 2);
    assertRejected(bytes, "truncated");
  }

  private static void assertRejected(byte[] bytes, String message) {
    assertThatThrownBy(() -> MembershipCodec.decode(bytes)).as("%s", Arrays.toString(bytes))
        .isInstanceOf(FormatException.class).hasMessageContaining(message);
  }
}
