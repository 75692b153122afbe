package io.lattice.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the shell splits a finished line into words. */
class ShellWordsTest {
  @Test
  void doubleQuotesHonourEscapesSingleQuotesAreLiteral() {
    assertThat(ShellWords.split("put k \"a\\nb\"")).containsExactly("put", "k", "a\nb");
    assertThat(ShellWords.split("put k \"t\\tq\\\"b\\\\\"")).containsExactly("put", "k",
        "t\tq\"b\\");
    assertThat(ShellWords.split("put k 'a\\nb'")).containsExactly("put", "k", "a\\nb");
    assertThat(ShellWords.split("put k \"\\d\"")).containsExactly("put", "k", "\\d");
  }

  @Test
  void blanksSeparateWordsOutsideQuotesOnly() {
    assertThat(ShellWords.split("  get   a\\ b  ")).containsExactly("get", "a b");
    assertThat(ShellWords.split("put k \"line one\nline two\"")).containsExactly("put", "k",
        "line one\nline two");
    assertThat(ShellWords.split("put k \"\"")).containsExactly("put", "k", "");
    assertThat(ShellWords.split("put pre\"fix\"'ed'")).containsExactly("put", "prefixed");
    assertThat(ShellWords.split("get \\\nk")).containsExactly("get", "k");
    assertThat(ShellWords.split("")).isEmpty();
  }
}
