package io.lattice.security;

import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.tls.Identities.Role;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one table of what each RPC a node serves needs. Every method of every service is decided
 * here by name, per service descriptor; a method that is not in the table (one added to a proto
 * without a decision) is refused ({@link #of} answers null), and {@code MethodAccessTest} fails
 * for it.
 *
 * <p>Client calls need a role (with {@code --client-cert-auth}): {@link Need#READ} is allowed to
 * every role, {@link Need#WRITE} to READWRITE and ADMIN, {@link Need#ADMIN} to ADMIN only. Peer
 * calls ({@link Need#PEER}) need a node certificate from the peer CA whose member id is the
 * message's sender.
 */
public final class MethodAccess {
  /** What a call needs. */
  public enum Need {
    /** Reads of keys and of the cluster's state: every client role. */
    READ,
    /** Changes to keys (and client sessions): READWRITE or ADMIN. */
    WRITE,
    /** Changes to the cluster: ADMIN. */
    ADMIN,
    /** Raft between members: a node certificate from the peer CA. */
    PEER;

    /** Whether a client of {@code role} may make a call that needs this. */
    public boolean allows(Role role) {
      return switch (this) {
        case READ -> true;
        case WRITE -> role == Role.READWRITE || role == Role.ADMIN;
        case ADMIN -> role == Role.ADMIN;
        case PEER -> false;
      };
    }

    /** The least role that may make the call, for messages. */
    public String roleNeeded() {
      return switch (this) {
        case READ -> "any client role";
        case WRITE -> "role READWRITE or ADMIN";
        case ADMIN -> "role ADMIN (organizational unit '" + Role.ADMIN.unit() + "')";
        case PEER -> "a node certificate from the peer CA";
      };
    }
  }

  /** Service full name → (method name → need), for the services this table covers. */
  private static final Map<ServiceDescriptor, Map<String, Need>> DECISIONS = decisions();
  private static final Map<String, Need> BY_FULL_NAME = byFullName();

  /** Services served for any client without a role check: health and server reflection. */
  private static final Set<String> OPEN_SERVICES = Set.of(HealthGrpc.SERVICE_NAME,
      "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  private MethodAccess() {}

  private static Map<ServiceDescriptor, Map<String, Need>> decisions() {
    Map<ServiceDescriptor, Map<String, Need>> d = new LinkedHashMap<>();
    d.put(KVGrpc.getServiceDescriptor(), Map.of(
        "Get", Need.READ,
        "Range", Need.READ,
        "Put", Need.WRITE,
        "Delete", Need.WRITE,
        "CompareAndSwap", Need.WRITE,
        "Txn", Need.WRITE, // a Txn may write, whatever its branches hold
        "OpenSession", Need.WRITE, // sessions exist only for exactly-once writes
        "CloseSession", Need.WRITE));
    d.put(ClusterGrpc.getServiceDescriptor(), Map.of(
        "Status", Need.READ,
        "MemberList", Need.READ,
        "Hash", Need.READ,
        "MemberAdd", Need.ADMIN,
        "MemberPromote", Need.ADMIN,
        "MemberRemove", Need.ADMIN,
        "TransferLeader", Need.ADMIN,
        "Snapshot", Need.ADMIN,
        "SnapshotSave", Need.ADMIN)); // a backup holds every key and value
    d.put(RaftGrpc.getServiceDescriptor(), Map.of(
        "RequestVote", Need.PEER,
        "AppendEntries", Need.PEER,
        "InstallSnapshot", Need.PEER,
        "TimeoutNow", Need.PEER,
        "ReadIndex", Need.PEER));
    return d;
  }

  private static Map<String, Need> byFullName() {
    Map<String, Need> out = new HashMap<>();
    for (var e : DECISIONS.entrySet()) {
      String service = e.getKey().getName();
      e.getValue().forEach((method, need) -> out.put(service + "/" + method, need));
    }
    return Map.copyOf(out);
  }

  /**
   * What the method ({@code service/Method}) needs; null for a method of a covered service that
   * has no decision (refuse it), and {@link Need#READ} for the open services (health,
   * reflection).
   */
  public static Need of(String fullMethodName) {
    Need n = BY_FULL_NAME.get(fullMethodName);
    if (n != null) {
      return n;
    }
    int slash = fullMethodName.indexOf('/');
    String service = slash < 0 ? fullMethodName : fullMethodName.substring(0, slash);
    return OPEN_SERVICES.contains(service) ? Need.READ : null;
  }

  /** The services whose every method must be decided here. */
  public static List<ServiceDescriptor> coveredServices() {
    return List.copyOf(DECISIONS.keySet());
  }

  /** The method names decided for {@code service}. */
  public static Set<String> decidedMethods(ServiceDescriptor service) {
    Map<String, Need> m = DECISIONS.get(service);
    return m == null ? Set.of() : m.keySet();
  }
}
