package io.lattice.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.lattice.security.MethodAccess.Need;
import io.lattice.tls.Identities.Role;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every RPC of the protos has exactly one access decision; undecided ones are refused. */
class MethodAccessTest {
  @Test
  void everyMethodOfEveryLatticeServiceIsDecided() {
    assertThat(MethodAccess.coveredServices().stream().map(ServiceDescriptor::getName))
        .containsExactlyInAnyOrder("lattice.v1.KV", "lattice.v1.Cluster", "lattice.v1.Raft");
    for (ServiceDescriptor s : MethodAccess.coveredServices()) {
      Set<String> methods = s.getMethods().stream().map(MethodDescriptor::getBareMethodName)
          .collect(Collectors.toSet());
      assertThat(MethodAccess.decidedMethods(s))
          .as("access decisions for %s: add any new RPC to MethodAccess", s.getName())
          .isEqualTo(methods);
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        assertThat(MethodAccess.of(m.getFullMethodName())).as(m.getFullMethodName()).isNotNull();
      }
    }
  }

  @Test
  void anUndecidedMethodIsRefusedAndOpenServicesAreReads() {
    assertThat(MethodAccess.of("lattice.v1.Cluster/Format")).isNull();
    assertThat(MethodAccess.of("lattice.v1.Unknown/Anything")).isNull();
    assertThat(MethodAccess.of("grpc.health.v1.Health/Check")).isEqualTo(Need.READ);
    assertThat(MethodAccess.of("grpc.reflection.v1.ServerReflection/ServerReflectionInfo"))
        .isEqualTo(Need.READ);
  }

  @Test
  void rolesAllowWhatTheTableSays() {
    assertThat(MethodAccess.of("lattice.v1.Cluster/MemberRemove")).isEqualTo(Need.ADMIN);
    assertThat(MethodAccess.of("lattice.v1.Cluster/Snapshot")).isEqualTo(Need.ADMIN);
    assertThat(MethodAccess.of("lattice.v1.KV/Txn")).isEqualTo(Need.WRITE);
    assertThat(MethodAccess.of("lattice.v1.KV/Range")).isEqualTo(Need.READ);
    assertThat(MethodAccess.of("lattice.v1.Raft/AppendEntries")).isEqualTo(Need.PEER);
    assertThat(Need.ADMIN.allows(Role.READWRITE)).isFalse();
    assertThat(Need.ADMIN.allows(Role.ADMIN)).isTrue();
    assertThat(Need.WRITE.allows(Role.READONLY)).isFalse();
    assertThat(Need.WRITE.allows(Role.READWRITE)).isTrue();
    assertThat(Need.READ.allows(Role.READONLY)).isTrue();
    for (Role r : Role.values()) {
      assertThat(Need.PEER.allows(r)).isFalse();
    }
  }
}
