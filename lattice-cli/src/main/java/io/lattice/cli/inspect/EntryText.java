package io.lattice.cli.inspect;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.MemberRecord;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The human-readable payload of one entry, safe for a terminal: a command as
 * {@link KvCommandCodec#describe} renders it (the same words the node's tools use), a
 * transaction with the keys it touches, a configuration as its member list.
 */
final class EntryText {
  private static final int MAX_TXN_KEYS = 8;

  private EntryText() {}

  static String describe(DecodedEntry e) {
    if (!e.decoded()) {
      return SafeText.escape("<undecodable " + e.record().payload().length + "-byte payload: "
          + e.error() + ">");
    }
    if (e.command() != null) {
      String text = KvCommandCodec.describe(e.command());
      if (e.command() instanceof KvCommand.Txn txn) {
        text += " keys=" + txnKeys(txn);
      }
      return SafeText.escape(text);
    }
    if (e.members() != null) {
      StringJoiner j = new StringJoiner(", ", "members: ", "");
      for (MemberRecord m : e.members()) {
        j.add(SafeText.escape(m.id()) + "=" + SafeText.escape(m.peerAddress())
            + (m.clientAddress().isEmpty() ? "" : " client=" + SafeText.escape(m.clientAddress()))
            + " " + (m.voter() ? "voter" : "learner") + (m.autoPromote() ? " (auto-promote)" : ""));
      }
      return e.members().isEmpty() ? "members: none" : j.toString();
    }
    return "";
  }

  /** The distinct keys a transaction compares or writes, in order of appearance. */
  private static String txnKeys(KvCommand.Txn txn) {
    Set<String> keys = new LinkedHashSet<>();
    txn.compares().forEach(c -> keys.add(KvCommandCodec.printable(c.key())));
    txn.success().forEach(o -> keys.add(KvCommandCodec.printable(o.key())));
    txn.failure().forEach(o -> keys.add(KvCommandCodec.printable(o.key())));
    StringJoiner j = new StringJoiner(",", "[", "]");
    keys.stream().limit(MAX_TXN_KEYS).forEach(j::add);
    if (keys.size() > MAX_TXN_KEYS) {
      j.add("… " + (keys.size() - MAX_TXN_KEYS) + " more");
    }
    return j.toString();
  }
}
