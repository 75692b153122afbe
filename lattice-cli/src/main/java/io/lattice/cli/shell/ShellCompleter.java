package io.lattice.cli.shell;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.CommandLine;

/**
 * Completes the shell's lines: member ids where a command takes one ({@code member promote|remove
 * ID}, {@code leader transfer ID}, {@code snapshot --member ID}), keys of the cluster where a
 * command takes a key ({@code get|put|del|cas KEY}), and everything else (commands, options, enum
 * values) from the picocli model. Options are offered only once the word starts with {@code -}
 * ({@code member <TAB>} offers list, add, promote, remove), as the bash and zsh completions do: the
 * model offers them everywhere, and the terminal would list them first.
 */
final class ShellCompleter implements Completer {
  private final Completer model;
  private final MemberIds memberIds;
  private final KeyNames keys;
  private final Set<String> valueOptions;
  /** The commands whose first argument is a key. */
  private static final Set<String> KEY_COMMANDS = Set.of("get", "put", "del", "cas");

  /**
   * {@code valueOptions}: the names of options that take a value (their next word is that value,
   * not a positional argument).
   */
  ShellCompleter(Completer model, MemberIds memberIds, KeyNames keys, Set<String> valueOptions) {
    this.model = model;
    this.memberIds = memberIds;
    this.keys = keys;
    this.valueOptions = Set.copyOf(valueOptions);
  }

  /** The names of every option in the tree under {@code cl} that takes a value. */
  static Set<String> valueOptions(CommandLine cl) {
    Set<String> out = new HashSet<>();
    for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
      if (o.arity().max() > 0) {
        out.addAll(List.of(o.names()));
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      out.addAll(valueOptions(sub));
    }
    return out;
  }

  @Override
  public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
    if (expectsMemberId(line.words(), line.wordIndex(), valueOptions)) {
      for (String id : memberIds.get()) {
        candidates.add(new Candidate(id, id, null, "member", null, null, true));
      }
      return;
    }
    if (expectsKey(line.words(), line.wordIndex(), valueOptions)) {
      for (String key : keys.startingWith(line.word().substring(0, line.wordCursor()))) {
        candidates.add(new Candidate(key, key, null, "key", null, null, true));
      }
      return;
    }
    if (line.word().startsWith("-")) {
      model.complete(reader, line, candidates);
      return;
    }
    List<Candidate> fromModel = new ArrayList<>();
    model.complete(reader, line, fromModel);
    for (Candidate c : fromModel) {
      if (!c.value().startsWith("-")) {
        candidates.add(c);
      }
    }
  }

  /** True if the word at {@code index} is the KEY of get, put, del or cas. */
  static boolean expectsKey(List<String> words, int index, Set<String> valueOptions) {
    if (index < words.size() && words.get(index).startsWith("-")) {
      return false; // an option is being typed
    }
    List<String> positional = positionalBefore(words, index, valueOptions);
    return positional.size() == 1 && KEY_COMMANDS.contains(positional.get(0));
  }

  /** True if the word at {@code index} is where a command expects a member id. */
  static boolean expectsMemberId(List<String> words, int index, Set<String> valueOptions) {
    if (index > 0 && words.get(index - 1).equals("--member")) {
      return true;
    }
    List<String> positional = positionalBefore(words, index, valueOptions);
    if (positional.size() != 2) {
      return false;
    }
    String cmd = positional.get(0) + " " + positional.get(1);
    return cmd.equals("member promote") || cmd.equals("member remove")
        || cmd.equals("leader transfer");
  }

  /** The positional words before {@code index} (options and their values left out). */
  private static List<String> positionalBefore(List<String> words, int index,
      Set<String> valueOptions) {
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < index && i < words.size(); i++) {
      String w = words.get(i);
      if (!w.startsWith("-")) {
        positional.add(w);
      } else if (valueOptions.contains(w)) {
        i++; // skip the option's value
      }
    }
    return positional;
  }
}
