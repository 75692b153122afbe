package io.lattice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lattice completion bash|zsh}: prints a completion script. */
@Command(name = "completion", description = "Print the shell completion script.",
    footer = {"", "bash:  source <(lattice completion bash)      (or copy to "
        + "/etc/bash_completion.d/lattice)",
        "zsh:   lattice completion zsh > ~/.zsh/_lattice; then in ~/.zshrc, after compinit:",
        "       source ~/.zsh/_lattice"})
final class CompletionCommand extends BaseCommand {
  /** The shells a script exists for. */
  enum Shell { bash, zsh }

  @Parameters(index = "0", paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
  Shell shell;

  CompletionCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    out().print(shell == Shell.bash ? Completions.bash() : Completions.zsh());
    out().flush();
    return ExitCodes.OK;
  }
}
