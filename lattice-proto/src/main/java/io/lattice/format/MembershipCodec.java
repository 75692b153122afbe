package io.lattice.format;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a cluster configuration, as stored in CONFIG log entries and snapshot headers:
 *
 * <pre>
 *   version u8 (1 or 2), count u32, then per member:
 *     flags u8 (1 = voter, 2 = auto-promote), id u16 length + UTF-8, peer address u16 length + UTF-8
 *     version 2 only: client address u16 length + UTF-8
 * </pre>
 *
 * <p>Version 1 is the form written before members had separate peer and client listeners: its one
 * address is the address peers dialled, so it decodes as the peer address with an empty client
 * address. {@link #encode} still writes version 1 when no member has a client address (a bootstrap
 * configuration, whose client addresses are published later), so such entries stay byte-identical
 * to what older versions wrote; otherwise it writes version 2.
 */
public final class MembershipCodec {
  private static final byte VERSION_ONE_ADDRESS = 1;
  private static final byte VERSION_TWO_ADDRESSES = 2;
  private static final int FLAG_VOTER = 1;
  private static final int FLAG_AUTO_PROMOTE = 2;

  private MembershipCodec() {}

  public static byte[] encode(List<MemberRecord> members) {
    boolean two = members.stream().anyMatch(m -> !m.clientAddress().isEmpty());
    int size = 1 + 4;
    for (MemberRecord m : members) {
      size += 1 + 2 + utf8(m.id()).length + 2 + utf8(m.peerAddress()).length;
      size += two ? 2 + utf8(m.clientAddress()).length : 0;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(two ? VERSION_TWO_ADDRESSES : VERSION_ONE_ADDRESS);
    buf.putInt(members.size());
    for (MemberRecord m : members) {
      buf.put((byte) ((m.voter() ? FLAG_VOTER : 0) | (m.autoPromote() ? FLAG_AUTO_PROMOTE : 0)));
      putString(buf, m.id());
      putString(buf, m.peerAddress());
      if (two) {
        putString(buf, m.clientAddress());
      }
    }
    return buf.array();
  }

  /** @throws FormatException if the bytes are not a valid encoding */
  public static List<MemberRecord> decode(byte[] bytes) throws FormatException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    try {
      byte version = buf.get();
      if (version != VERSION_ONE_ADDRESS && version != VERSION_TWO_ADDRESSES) {
        throw new FormatException("unknown membership format version " + version, 0);
      }
      int count = buf.getInt();
      if (count < 0 || count > bytes.length) {
        throw new FormatException("impossible member count " + count, 1);
      }
      List<MemberRecord> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int flags = buf.get();
        if ((flags & ~(FLAG_VOTER | FLAG_AUTO_PROMOTE)) != 0) {
          throw new FormatException("unknown member flags " + flags, buf.position() - 1);
        }
        String id = getString(buf);
        if (id.isEmpty()) {
          throw new FormatException("empty member id", buf.position());
        }
        String peerAddress = getString(buf);
        String clientAddress = version == VERSION_TWO_ADDRESSES ? getString(buf) : "";
        out.add(new MemberRecord(id, peerAddress, clientAddress, (flags & FLAG_VOTER) != 0,
            (flags & FLAG_AUTO_PROMOTE) != 0));
      }
      if (buf.hasRemaining()) {
        throw new FormatException(buf.remaining() + " trailing bytes after membership", buf.position());
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new FormatException("truncated membership (" + bytes.length + " bytes)", bytes.length);
    }
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }

  private static void putString(ByteBuffer buf, String s) {
    byte[] b = utf8(s);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("member id or address of " + b.length
          + " bytes; at most 65535 fit");
    }
    buf.putShort((short) b.length);
    buf.put(b);
  }

  private static String getString(ByteBuffer buf) {
    int len = Short.toUnsignedInt(buf.getShort());
    byte[] b = new byte[len];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
