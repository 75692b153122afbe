package io.lattice.server;

import io.lattice.kv.KvStateMachine;
import io.lattice.node.RaftNode;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.Role;
import io.lattice.transport.GrpcPeerTransport;
import io.lattice.util.DaemonThreads;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every member's client address through the log, as etcd publishes a member's client URLs
 * after it starts.
 *
 * <p>Why: a cluster is bootstrapped from {@code --initial-cluster}, which lists peer addresses only
 * (as etcd's does), and a member may restart with another {@code --listen-client}; yet every member
 * must know every member's client address, to name the leader's in NOT_LEADER hints and to list it
 * in MemberList. Each member advertises its client address in every AppendEntries response (see
 * {@link GrpcPeerTransport#advertisedClientAddress}); on the leader this publisher compares what
 * each member advertises (and its own address) with the membership and, where they differ,
 * proposes a {@link io.lattice.raft.MembershipChange.SetClientAddress}: a CONFIG entry that changes
 * no voter or learner, so no quorum, but is still one membership change under the core's
 * one-change-at-a-time rule (while another is uncommitted the proposal is refused and retried).
 * Once committed, every member has the address from its log, and a new leader finds it there.
 *
 * <p>One proposal at a time; checks every {@value #PERIOD_MILLIS} ms and again as soon as a
 * proposal ends, on its own daemon thread (the wiring's, never the node loop's).
 */
final class ClientAddressPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientAddressPublisher.class);
  static final long PERIOD_MILLIS = 100;

  private final RaftNode<KvStateMachine> node;
  private final GrpcPeerTransport transport;
  private final String ownClientAddress;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private volatile boolean closed;

  private ClientAddressPublisher(RaftNode<KvStateMachine> node, GrpcPeerTransport transport,
      String ownClientAddress) {
    this.node = Objects.requireNonNull(node);
    this.transport = Objects.requireNonNull(transport);
    this.ownClientAddress = Objects.requireNonNull(ownClientAddress);
    this.timer = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named("lattice-address-publisher-" + node.id()));
  }

  /** Starts publishing for {@code node}, whose own client listener is at {@code ownClientAddress}. */
  static ClientAddressPublisher start(RaftNode<KvStateMachine> node, GrpcPeerTransport transport,
      String ownClientAddress) {
    ClientAddressPublisher p = new ClientAddressPublisher(node, transport, ownClientAddress);
    p.timer.scheduleWithFixedDelay(p::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    return p;
  }

  /** On the leader, proposes the first member's client address that differs (by id order). */
  private void check() {
    if (closed || inFlight.get()) {
      return;
    }
    RaftNode.Header h = node.header();
    Membership m = h == null ? null : h.membership();
    if (m == null || h.role() != Role.LEADER) {
      return;
    }
    for (Member member : m.members().values()) {
      String wanted = member.id().equals(node.id()) ? ownClientAddress
          : transport.advertisedClientAddress(member.id());
      if (wanted == null || wanted.isEmpty() || wanted.equals(member.clientAddress())) {
        continue;
      }
      if (!inFlight.compareAndSet(false, true)) {
        return;
      }
      String id = member.id();
      String was = member.clientAddress();
      node.setClientAddress(id, wanted).whenComplete((after, error) -> {
        inFlight.set(false);
        if (error == null) {
          log.info("{}: recorded member {}'s client address {} (was {})", node.id(), id, wanted,
              was.isEmpty() ? "unknown" : was);
          submitCheck();
        } else {
          // Usually another membership change not committed yet, or leadership lost: retried.
          log.debug("{}: recording {}'s client address {} failed, will retry: {}", node.id(), id,
              wanted, error.toString());
        }
      });
      return;
    }
  }

  private void submitCheck() {
    if (!closed) {
      try {
        timer.execute(this::check);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
