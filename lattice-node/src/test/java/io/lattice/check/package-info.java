/**
 * A linearizability checker for key-value histories, for the deterministic simulator and the
 * multi-process tests.
 *
 * <p>Record with {@link io.lattice.check.History} (or build {@link io.lattice.check.Op}s
 * directly), check with {@link io.lattice.check.Linearizability#check(java.util.Collection)}:
 *
 * <pre>{@code
 * History h = new History();
 * History.Pending p = h.invoke(clientId, Call.cas("k", Call.Expect.value("a"), "b"), now());
 * ... p.ok(Result.swapped(true), now());   or p.unknown();   or p.failed();
 * Linearizability.Report r = h.check();
 * assertThat(r.isLinearizable()).as(r.describe()).isTrue();
 * }</pre>
 *
 * <p>Each key is a register (put, get, delete, compare-and-swap by value, by version or on
 * absence) checked on its own with the Wing-Gong-Lowe search with memoization. An operation of
 * unknown outcome may have taken effect at any moment after its invocation, or never. Timestamps
 * are longs in any unit. The search is bounded: a key it cannot decide within the step limit is
 * UNKNOWN, which callers should treat as "not shown correct".
 */
package io.lattice.check;
