package io.lattice.cli.txn;

import io.lattice.proto.v1.TxnRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Reads the three sections of a {@link TxnScript} from a stream. Interactively, each section is
 * prompted for and a line with a mistake is reported and typed again; from a file, the first
 * mistake ends the reading (nothing is sent) and names its line.
 */
public final class TxnInput {
  private TxnInput() {}

  /** What a section holds. */
  private enum Section {
    COMPARES("compares:"),
    SUCCESS("success requests (get, put, del):"),
    FAILURE("failure requests (get, put, del):");

    final String prompt;

    Section(String prompt) {
      this.prompt = prompt;
    }
  }

  /**
   * Reads a Txn from {@code in}; with {@code prompts} (interactive), prompts there for each section
   * and reports a mistaken line there, to be typed again.
   *
   * @throws TxnScript.SyntaxError (from a file) for the first mistaken line, naming it
   */
  public static TxnRequest read(BufferedReader in, PrintWriter prompts)
      throws IOException, TxnScript.SyntaxError {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    int lineNumber = 0;
    boolean ended = false;
    for (Section section : Section.values()) {
      if (prompts != null) {
        if (section != Section.COMPARES) {
          prompts.println();
        }
        prompts.println(section.prompt);
        prompts.flush();
      }
      while (!ended) {
        String line = in.readLine();
        if (line == null) {
          ended = true; // the input ends every open section
          break;
        }
        lineNumber++;
        if (line.isBlank()) {
          break;
        }
        if (line.strip().startsWith("#")) {
          continue;
        }
        try {
          switch (section) {
            case COMPARES -> b.addCompare(TxnScript.compare(line));
            case SUCCESS -> b.addSuccess(TxnScript.op(line));
            case FAILURE -> b.addFailure(TxnScript.op(line));
          }
        } catch (TxnScript.SyntaxError e) {
          if (prompts == null) {
            throw new TxnScript.SyntaxError("line " + lineNumber + ": " + e.getMessage());
          }
          prompts.println("lattice: " + e.getMessage() + "; type the line again");
          prompts.flush();
        }
      }
    }
    return b.build();
  }
}
