package io.lattice.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProgressTest {

  private static Progress replicate(long match) {
    Progress p = new Progress(match + 1, 4);
    p.maybeUpdate(match);
    p.becomeReplicate();
    return p;
  }

  @Test
  void startsInProbeWithNothingMatched() {
    Progress p = new Progress(6, 4);
    assertThat(p.state()).isEqualTo(Progress.State.PROBE);
    assertThat(p.match()).isZero();
    assertThat(p.next()).isEqualTo(6);
    assertThat(p.isPaused()).isFalse();
    assertThat(p.recentActive()).isFalse();
    assertThat(p.lastContactTick()).isEqualTo(Progress.NEVER);
    assertThat(p.pendingSnapshot()).isZero();
    assertThat(p.toString()).contains("PROBE").contains("match=0").contains("next=6");
  }

  @Test
  void contactMarksActiveAndRecordsTick() {
    Progress p = new Progress(1, 4);
    p.contact(17);
    assertThat(p.recentActive()).isTrue();
    assertThat(p.lastContactTick()).isEqualTo(17);
    p.setRecentActive(false);
    assertThat(p.recentActive()).isFalse();
    assertThat(p.lastContactTick()).isEqualTo(17);
  }

  @Test
  void probePausesAfterOneAppendUntilAnswerOrHeartbeat() {
    Progress p = new Progress(5, 4);
    p.sentAppend(7, 3);
    assertThat(p.isPaused()).isTrue();
    assertThat(p.next()).as("probing does not advance next").isEqualTo(5);
    p.heartbeatTick();
    assertThat(p.isPaused()).isFalse();
    p.sentAppend(4, 0); // an empty probe also pauses
    assertThat(p.isPaused()).isTrue();
    assertThat(p.maybeUpdate(7)).isTrue();
    assertThat(p.isPaused()).isFalse();
    assertThat(p.match()).isEqualTo(7);
    assertThat(p.next()).isEqualTo(8);
  }

  @Test
  void probeBecomesReplicateOnAck() {
    Progress p = new Progress(5, 4);
    assertThat(p.maybeUpdate(4)).isTrue();
    p.becomeReplicate();
    assertThat(p.state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(p.match()).isEqualTo(4);
    assertThat(p.next()).isEqualTo(5);
    assertThat(p.isPaused()).isFalse();
  }

  @Test
  void replicateAdvancesNextOptimisticallyAndBoundsTheWindow() {
    Progress p = replicate(4);
    p.sentAppend(6, 2);
    assertThat(p.next()).isEqualTo(7);
    p.sentAppend(6, 0); // empty append: nothing in flight, next unchanged
    assertThat(p.next()).isEqualTo(7);
    assertThat(p.inflights().count()).isEqualTo(1);
    p.sentAppend(8, 2);
    p.sentAppend(9, 1);
    assertThat(p.isPaused()).isFalse();
    p.sentAppend(10, 1);
    assertThat(p.inflights().count()).isEqualTo(4);
    assertThat(p.isPaused()).as("window of 4 is full").isTrue();
    assertThat(p.next()).isEqualTo(11);
    assertThat(p.maybeUpdate(8)).isTrue();
    assertThat(p.inflights().count()).isEqualTo(2);
    assertThat(p.isPaused()).isFalse();
    assertThat(p.next()).as("an ack never moves next back").isEqualTo(11);
  }

  @Test
  void staleAckTellsNothingNew() {
    Progress p = replicate(6);
    assertThat(p.maybeUpdate(5)).isFalse();
    assertThat(p.maybeUpdate(6)).isFalse();
    assertThat(p.match()).isEqualTo(6);
    assertThat(p.next()).isEqualTo(7);
  }

  @Test
  void staleAckDoesNotUnpauseAProbe() {
    Progress p = new Progress(5, 4);
    p.maybeUpdate(3);
    p.sentAppend(5, 1);
    assertThat(p.maybeUpdate(2)).isFalse();
    assertThat(p.isPaused()).isTrue();
  }

  @Test
  void ackMovesNextPastTheAckedIndex() {
    Progress p = new Progress(2, 4);
    p.maybeUpdate(9);
    assertThat(p.next()).isEqualTo(10);
  }

  @Test
  void replicateFallsBackToProbeOnReject() {
    Progress p = replicate(5);
    p.sentAppend(8, 3);
    p.sentAppend(10, 2);
    assertThat(p.maybeDecreaseTo(8, 0)).isTrue();
    assertThat(p.next()).isEqualTo(6);
    p.becomeProbe();
    assertThat(p.state()).isEqualTo(Progress.State.PROBE);
    assertThat(p.next()).isEqualTo(6);
    assertThat(p.inflights().count()).isZero();
    assertThat(p.isPaused()).isFalse();
  }

  @Test
  void replicateIgnoresStaleRejectAtOrBelowMatch() {
    Progress p = replicate(5);
    p.sentAppend(8, 3);
    assertThat(p.maybeDecreaseTo(5, 0)).isFalse();
    assertThat(p.maybeDecreaseTo(3, 0)).isFalse();
    assertThat(p.next()).isEqualTo(9);
    assertThat(p.state()).isEqualTo(Progress.State.REPLICATE);
  }

  @ParameterizedTest(name = "match={0} next={1} rejected={2} hint={3} -> {4}, next={5}")
  @CsvSource({
    // the probe we are waiting for: next - 1 == rejected
    "0,10,9,4,true,5",
    "0,10,9,0,true,1",
    "0,10,9,20,true,9", // a hint beyond the rejected index can only step back by one
    "0,10,9,8,true,9",
    "3,10,9,1,true,4", // never below match + 1
    "0,1,0,0,true,1",
    // stale rejections (not the outstanding probe)
    "0,10,8,4,false,10",
    "0,10,10,4,false,10",
  })
  void probeBacksOffToTheHint(
      long match, long next, long rejected, long hint, boolean changed, long newNext) {
    Progress p = new Progress(next, 4);
    if (match > 0) {
      p.maybeUpdate(match);
    }
    assertThat(p.next()).isEqualTo(next);
    p.sentAppend(next, 1);
    assertThat(p.isPaused()).isTrue();
    assertThat(p.maybeDecreaseTo(rejected, hint)).isEqualTo(changed);
    assertThat(p.next()).isEqualTo(newNext);
    assertThat(p.isPaused()).isEqualTo(!changed);
  }

  @Test
  void snapshotStatePausesEverything() {
    Progress p = new Progress(3, 4);
    p.becomeSnapshot(20);
    assertThat(p.state()).isEqualTo(Progress.State.SNAPSHOT);
    assertThat(p.pendingSnapshot()).isEqualTo(20);
    assertThat(p.isPaused()).isTrue();
    p.heartbeatTick();
    assertThat(p.isPaused()).isTrue();
    assertThatThrownBy(() -> p.sentAppend(5, 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void snapshotToProbeResumesAfterTheSnapshot() {
    Progress p = new Progress(3, 4);
    p.maybeUpdate(2);
    p.becomeSnapshot(20);
    p.becomeProbe();
    assertThat(p.state()).isEqualTo(Progress.State.PROBE);
    assertThat(p.next()).isEqualTo(21);
    assertThat(p.pendingSnapshot()).isZero();
  }

  @Test
  void snapshotToProbeAfterMatchBeyondSnapshotUsesMatch() {
    Progress p = new Progress(3, 4);
    p.becomeSnapshot(20);
    p.maybeUpdate(25);
    p.becomeProbe();
    assertThat(p.next()).isEqualTo(26);
  }

  @Test
  void failedSnapshotProbesAfterMatch() {
    Progress p = new Progress(3, 4);
    p.maybeUpdate(2);
    p.becomeSnapshot(20);
    p.becomeSnapshot(LogIndex.NONE); // what reportSnapshot(false) does
    p.becomeProbe();
    assertThat(p.next()).isEqualTo(3);
  }

  @Test
  void snapshotToReplicateOnceMatchReachesTheSnapshot() {
    Progress p = new Progress(3, 4);
    p.becomeSnapshot(20);
    assertThat(p.maybeUpdate(20)).isTrue();
    assertThat(p.match()).isGreaterThanOrEqualTo(p.pendingSnapshot());
    p.becomeReplicate();
    assertThat(p.state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(p.next()).isEqualTo(21);
    assertThat(p.pendingSnapshot()).isZero();
  }

  @Test
  void snapshotTimesOutAfterLimitTicksOnlyInSnapshotState() {
    Progress p = new Progress(3, 4);
    assertThat(p.snapshotTimedOut(1)).isFalse(); // not sending a snapshot
    p.becomeSnapshot(10);
    assertThat(p.snapshotTimedOut(3)).isFalse();
    assertThat(p.snapshotTimedOut(3)).isFalse();
    assertThat(p.snapshotTimedOut(3)).isTrue();
    p.becomeSnapshot(11); // restarts the count
    assertThat(p.snapshotTimedOut(2)).isFalse();
    assertThat(p.snapshotTimedOut(2)).isTrue();
  }

  @Test
  void becomeReplicateResetsProbeFlagAndWindow() {
    Progress p = new Progress(3, 2);
    p.sentAppend(3, 1);
    assertThat(p.isPaused()).isTrue();
    p.maybeUpdate(2);
    p.becomeReplicate();
    assertThat(p.isPaused()).isFalse();
    p.sentAppend(3, 1);
    p.sentAppend(4, 1);
    assertThat(p.isPaused()).isTrue();
    p.becomeReplicate();
    assertThat(p.isPaused()).isFalse();
    assertThat(p.next()).isEqualTo(3);
  }

  @Test
  void matchAlwaysBelowNext() {
    Progress p = replicate(4);
    p.becomeProbe();
    assertThat(p.match()).isLessThan(p.next());
    p.sentAppend(4, 0); // the probe at match
    assertThat(p.maybeDecreaseTo(LogIndex.prev(p.next()), 4)).isTrue();
    assertThat(p.next()).isEqualTo(5);
    assertThat(p.match()).isLessThan(p.next());
    // Rejected at its own match index with a lower hint: it lost entries, both marks go down.
    assertThat(p.maybeDecreaseTo(LogIndex.prev(p.next()), 0)).isTrue();
    assertThat(p.match()).isZero();
    assertThat(p.next()).isEqualTo(1);
  }

  @Test
  void probeRejectedAtTheMatchIndexMeansTheMemberLostEntries() {
    // A repaired member: it had acknowledged 10, its log now ends at 7.
    Progress p = replicate(10);
    p.becomeProbe();
    assertThat(p.next()).isEqualTo(11);
    p.sentAppend(10, 0); // the probe at its match index, sent after it acknowledged 10
    assertThat(p.maybeDecreaseTo(10, 7)).isTrue();
    assertThat(p.match()).as("lowered to what it still holds").isEqualTo(7);
    assertThat(p.next()).isEqualTo(8);
    assertThat(p.maybeUpdate(10)).as("catching up raises it again").isTrue();
    assertThat(p.match()).isEqualTo(10);
  }

  @Test
  @DisplayName("§5.3 / etcd MaybeDecrTo: a late duplicate of a rejection from before the member caught up does not lower match")
  void staleRejectionAtTheMatchIndexKeepsMatch() {
    Progress p = new Progress(11, 4); // the leader's log ends at 10
    p.sentAppend(10, 0); // probe at 10
    assertThat(p.maybeDecreaseTo(10, 3)).isTrue(); // the member's log ends at 3
    assertThat(p.next()).isEqualTo(4);
    p.sentAppend(10, 7);
    assertThat(p.maybeUpdate(10)).isTrue();
    p.becomeReplicate();
    p.becomeProbe(); // say it was reported unreachable
    assertThat(p.maybeDecreaseTo(10, 3)).as("the old answer, delivered again").isFalse();
    assertThat(p.match()).isEqualTo(10);
    assertThat(p.next()).isEqualTo(11);
    assertThat(p.isPaused()).isFalse();
    // A rejection of a probe at 10 sent from now on answers that probe: the member lost entries.
    p.sentAppend(10, 0);
    assertThat(p.maybeDecreaseTo(10, 7)).isTrue();
    assertThat(p.match()).isEqualTo(7);
    assertThat(p.next()).isEqualTo(8);
  }

  @Test
  @DisplayName("§5.3 a probe sent before match last rose does not make a later rejection at match count")
  void probeBeforeMatchRoseDoesNotCount() {
    Progress p = new Progress(6, 4);
    p.maybeUpdate(3);
    p.sentAppend(5, 0); // probe at 5, not at match
    assertThat(p.maybeUpdate(5)).isTrue(); // match rises to 5 while still probing
    assertThat(p.maybeDecreaseTo(5, 2)).as("no probe at 5 was sent since match became 5").isFalse();
    assertThat(p.match()).isEqualTo(5);
  }

  @Test
  void probeRejectedAboveTheMatchIndexKeepsMatch() {
    Progress q = new Progress(16, 4);
    q.maybeUpdate(10);
    assertThat(q.maybeDecreaseTo(15, 12)).isTrue();
    assertThat(q.match()).isEqualTo(10);
    assertThat(q.next()).isEqualTo(13);
  }
}
