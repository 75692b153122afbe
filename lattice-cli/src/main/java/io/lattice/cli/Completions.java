package io.lattice.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Shell completion scripts generated from the command model with picocli's {@link AutoComplete}.
 * The committed copies in {@code completions/} must equal this output (a test checks); regenerate
 * them with {@code lattice completion bash > completions/lattice.bash} and {@code lattice
 * completion zsh > completions/_lattice}.
 */
public final class Completions {
  private Completions() {}

  /** The bash script (defines {@code _complete_lattice} and registers it for {@code lattice}). */
  public static String bash() {
    return withMemberIds(AutoComplete.bash("lattice", model()));
  }

  /**
   * The commands whose first positional argument is a member id: the name of their function in
   * picocli's script, and the command's own name (where {@code currentPositionalIndex} counts
   * from).
   */
  private static final Map<String, String> MEMBER_ID_ARGUMENT = new LinkedHashMap<>();

  static {
    MEMBER_ID_ARGUMENT.put("_picocli_lattice_member_promote", "promote");
    MEMBER_ID_ARGUMENT.put("_picocli_lattice_member_remove", "remove");
    MEMBER_ID_ARGUMENT.put("_picocli_lattice_leader_transfer", "transfer");
  }

  /**
   * Asks the cluster for its member ids, with the connection options of the line being completed
   * (the LATTICE_* variables otherwise), within 2 s; prints none when it does not answer. The
   * line is split on blanks here: bash's own words split {@code host:port} at the colon.
   */
  private static final String MEMBER_IDS_FUNCTION = """
      # The index (0: the first) of the positional parameter being completed after the word $1
      # (the subcommand's name); $2 lists the options that take a value, each in single quotes.
      # From the line split on blanks: bash's own words also break at ':' and '=', which would
      # count the pieces of `--endpoints 127.0.0.1:7001` as positionals. (Added to picocli's
      # script by io.lattice.cli.Completions.)
      function _lattice_positional_index() {
        local IFS=$' \\t\\n' name=$1 arg_opts=$2 index=0 seen=0 glob=1 w line
        line=${COMP_LINE:0:$COMP_POINT}
        case $- in *f*) glob=0 ;; esac
        set -f
        set -- $line
        [ $glob = 0 ] || set +f
        case $line in
          *[[:space:]]) ;;
          *) [ $# -gt 0 ] && set -- "${@:1:$(($# - 1))}" ;; # (not the word being completed)
        esac
        while [ $# -gt 0 ]; do
          w=$1
          shift
          if [ $seen = 0 ]; then
            [ "$w" = "$name" ] && seen=1
            continue
          fi
          case $w in
            -*=*) ;;
            -*) case $arg_opts in *"'$w'"*) [ $# -gt 0 ] && shift ;; esac ;;
            *) index=$((index + 1)) ;;
          esac
        done
        echo $index
      }

      # Member ids, for the arguments that take one: `lattice member list` run with the
      # connection options of the line being completed (else the LATTICE_* variables), within
      # 2 s; none when the cluster does not answer. The answer is kept for 10 s per connection,
      # so that the TABs of one command line start the CLI once: in shell variables under bash
      # (so this sets _lattice_ids rather than printing them: a $(...) keeps no variable), in
      # ${XDG_CACHE_HOME:-~/.cache}/lattice/ under zsh, whose bashcompinit runs the completion
      # in a subshell. (Added to picocli's script by io.lattice.cli.Completions.)
      function _lattice_member_ids() {
        # (the caller may have set IFS to a newline: the words here are split on blanks)
        local IFS=$' \\t\\n' lattice connection="" key glob=1 file="" now k at
        case $- in *f*) glob=0 ;; esac
        set -f # (a * on the line is no file name here)
        set -- ${COMP_LINE:0:$COMP_POINT}
        [ $glob = 0 ] || set +f
        lattice=${1/#\\~/$HOME}
        shift
        while [ $# -gt 0 ]; do
          case $1 in
            --endpoints | --cacert | --cert | --key | --certs-dir)
              if [ $# -gt 1 ]; then
                connection="$connection $1 ${2/#\\~/$HOME}"
                shift
              fi ;;
            --endpoints=* | --cacert=* | --cert=* | --key=* | --certs-dir=*)
              connection="$connection $1" ;;
          esac
          shift
        done
        key="$lattice $connection|${LATTICE_ENDPOINTS-}|${LATTICE_CERTS_DIR-}|${LATTICE_CACERT-}"
        key="$key|${LATTICE_CERT-}|${LATTICE_KEY-}|$PWD"
        if [ -n "${ZSH_VERSION-}" ]; then
          file=${XDG_CACHE_HOME:-$HOME/.cache}/lattice/completion-member-ids
          now=$(date +%s)
          if [ -r "$file" ] && { IFS= read -r k && IFS= read -r at; } < "$file" &&
              [ "$k" = "$key" ] && [ $((now - at)) -lt 10 ] 2>/dev/null; then
            _lattice_ids=$(tail -n +3 "$file")
            return 0
          fi
        elif [ "$key" = "${_lattice_ids_key-}" ] &&
            [ $((SECONDS - ${_lattice_ids_at:-0})) -lt 10 ]; then
          return 0
        fi
        _lattice_ids=$($lattice $connection --timeout 2s member list -o text 2>/dev/null |
          awk 'NR > 1 && $1 != "" { print $1 }')
        _lattice_ids_key=$key
        _lattice_ids_at=$SECONDS
        if [ -n "$file" ]; then
          (umask 077 && mkdir -p "${file%/*}" &&
            printf '%s\\n%s\\n%s\\n' "$key" "$now" "$_lattice_ids" > "$file") 2>/dev/null
        fi
      }

      """;

  /**
   * Picocli's script with member ids completed where a command takes one: the ID of {@code member
   * promote|remove} and {@code leader transfer}, the value of {@code snapshot --member}.
   *
   * @throws IllegalStateException if the script no longer has the shape this edits (a picocli
   *     upgrade): the test of the committed scripts fails then, rather than the completion quietly
   *     losing the ids
   */
  static String withMemberIds(String script) {
    String out = script;
    for (Map.Entry<String, String> f : MEMBER_ID_ARGUMENT.entrySet()) {
      out = replaceInFunction(out, f.getKey(), "    local positionals=\"\"\n",
          "    local positionals=\"\"\n"
          + "    if [ \"$(_lattice_positional_index \"" + f.getValue()
          + "\" \"${arg_opts}\")\" -eq 0 ]; then\n"
          + "      _lattice_member_ids; positionals=$_lattice_ids\n"
          + "    fi\n");
    }
    out = replaceInFunction(out, "_picocli_lattice_snapshot", "    '--member')\n      return\n",
        "    '--member')\n"
        + "      local IFS=$'\\n'\n"
        + "      _lattice_member_ids\n"
        + "      COMPREPLY=( $(compgen -W \"$_lattice_ids\" -- \"${curr_word}\") )\n"
        + "      return $?\n");
    // before the comment block that introduces the `complete` registration at the end
    String register = "\n# Define a completion specification";
    int at = out.lastIndexOf(register);
    if (at < 0) {
      throw new IllegalStateException("no '" + register.strip() + "' in picocli's bash script");
    }
    return out.substring(0, at + 1) + MEMBER_IDS_FUNCTION + out.substring(at + 1);
  }

  /** {@code script} with the first {@code from} in bash function {@code name} made {@code to}. */
  private static String replaceInFunction(String script, String name, String from, String to) {
    int start = script.indexOf("function " + name + "() {\n");
    int end = start < 0 ? -1 : script.indexOf("\n}\n", start);
    int at = start < 0 ? -1 : script.indexOf(from, start);
    if (at < 0 || at > end) {
      throw new IllegalStateException("picocli's bash script has no '" + from.strip() + "' in "
          + name);
    }
    return script.substring(0, at) + to + script.substring(at + from.length());
  }

  /**
   * The zsh script: picocli's bash script run through zsh's bash-completion emulation. Source it
   * from ~/.zshrc (after {@code compinit}).
   */
  public static String zsh() {
    return "#compdef lattice\n"
        + "# zsh completion for lattice: the bash completion script under zsh's bashcompinit.\n"
        + "# Generated by `lattice completion zsh` from the command model; do not edit.\n"
        + "# Use: source this file from ~/.zshrc after `autoload -U compinit && compinit`.\n"
        + "autoload -U +X bashcompinit && bashcompinit\n"
        + bash();
  }

  /** The command tree without environment, so the scripts do not depend on where they are made. */
  private static CommandLine model() {
    CliContext ctx = new CliContext(new ByteArrayInputStream(new byte[0]),
        new ByteArrayOutputStream(), Map.of());
    StringWriter sink = new StringWriter();
    return LatticeCommand.commandLine(ctx, new PrintWriter(sink), new PrintWriter(sink));
  }
}
