package io.lattice.sim;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A client's write in the simulated KV: put {@code key = value} as request {@code seq} of session {@code client}. */
record KvCommand(String client, long seq, String key, String value) {
  byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(client);
      out.writeLong(seq);
      out.writeUTF(key);
      out.writeUTF(value);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KvCommand decode(byte[] data) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
      return new KvCommand(in.readUTF(), in.readLong(), in.readUTF(), in.readUTF());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result of a write: the index at which it took effect (the first copy applied). */
  static byte[] result(long index) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (index >>> (56 - 8 * i));
    }
    return b;
  }

  static long decodeResult(byte[] b) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }
}
