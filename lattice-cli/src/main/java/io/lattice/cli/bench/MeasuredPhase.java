package io.lattice.cli.bench;

/**
 * Something that counts over exactly the measured phase of a run: {@link BenchRunner} calls
 * {@code measure(true)} when the warm-up ends and {@code measure(false)} when the measured time is
 * up, on its own thread, each once.
 */
public interface MeasuredPhase {
  void measure(boolean on);
}
