package io.lattice.cli.shell;

import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Completes the shell's lines: member ids where a command takes one ({@code member promote|remove
 * ID}, {@code leader transfer ID}, {@code snapshot --member ID}), and everything else (commands,
 * options, enum values) from the picocli model.
 */
final class ShellCompleter implements Completer {
  private final Completer model;
  private final MemberIds memberIds;

  ShellCompleter(Completer model, MemberIds memberIds) {
    this.model = model;
    this.memberIds = memberIds;
  }

  @Override
  public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
    if (expectsMemberId(line.words(), line.wordIndex())) {
      for (String id : memberIds.get()) {
        candidates.add(new Candidate(id, id, null, "member", null, null, true));
      }
      return;
    }
    model.complete(reader, line, candidates);
  }

  /** True if the word at {@code index} is where a command expects a member id. */
  static boolean expectsMemberId(List<String> words, int index) {
    if (index > 0 && words.get(index - 1).equals("--member")) {
      return true;
    }
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < index && i < words.size(); i++) {
      if (!words.get(i).startsWith("-")) {
        positional.add(words.get(i));
      }
    }
    if (positional.size() != 2) {
      return false;
    }
    String cmd = positional.get(0) + " " + positional.get(1);
    return cmd.equals("member promote") || cmd.equals("member remove")
        || cmd.equals("leader transfer");
  }
}
