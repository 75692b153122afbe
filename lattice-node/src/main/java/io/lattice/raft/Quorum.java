package io.lattice.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.ToLongFunction;

/** Majority arithmetic over a set of voters (Raft §5.2, §5.3). Pure functions only. */
public final class Quorum {
  private Quorum() {}

  /** The number of votes that make a majority of {@code voters} voters. */
  public static int majority(int voters) {
    return voters / 2 + 1;
  }

  /**
   * The highest value that at least a majority of {@code voters} has reached, where each voter's
   * value is given by {@code valueOf}. For match indexes this is the highest index stored on a
   * majority, the commit candidate of Raft §5.3/§5.4. With no voters it is 0.
   */
  public static long majorityValue(Collection<String> voters, ToLongFunction<String> valueOf) {
    if (voters.isEmpty()) {
      return 0;
    }
    long[] values = new long[voters.size()];
    int i = 0;
    for (String v : voters) {
      values[i++] = valueOf.applyAsLong(v);
    }
    Arrays.sort(values);
    // Sorted ascending: the element at n - majority is reached by exactly a majority or more.
    return values[values.length - majority(values.length)];
  }

  /** The outcome of a vote count. */
  public enum VoteResult {
    WON,
    LOST,
    PENDING
  }

  /**
   * Tallies {@code votes} (voter id → granted) cast by members of {@code voters}; votes of
   * non-voters are ignored.
   */
  public static VoteResult tally(Collection<String> voters, Map<String, Boolean> votes) {
    int granted = 0;
    int rejected = 0;
    for (String v : voters) {
      Boolean vote = votes.get(v);
      if (vote == null) {
        continue;
      }
      if (vote) {
        granted++;
      } else {
        rejected++;
      }
    }
    int need = majority(voters.size());
    if (granted >= need) {
      return VoteResult.WON;
    }
    if (rejected > voters.size() - need) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  /** Whether at least a majority of {@code voters} satisfies {@code active}. */
  public static boolean isActive(Collection<String> voters, java.util.function.Predicate<String> active) {
    long n = voters.stream().filter(active).count();
    return !voters.isEmpty() && n >= majority(voters.size());
  }
}
