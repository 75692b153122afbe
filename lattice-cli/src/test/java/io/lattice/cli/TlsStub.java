package io.lattice.cli;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.MemberRemoveResponse;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.Security;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.tls.Identities;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A small gRPC server on 127.0.0.1 for the CLI's TLS tests, serving TLS from PEM files (or
 * plaintext): {@code get K} answers with the common name of the client's certificate ("-" for
 * none) as the value, except {@code get denied} (PERMISSION_DENIED) and {@code get unauth}
 * (UNAUTHENTICATED); {@code status} says it leads (and reports the security it was given, if
 * any); {@code member add} adds anyone, in cluster "lattice"; {@code member remove} is refused
 * unless the client's certificate has the admin role.
 */
final class TlsStub implements AutoCloseable {
  private static final Context.Key<String> CLIENT = Context.key("client");
  private static final Context.Key<Identities.Role> ROLE = Context.key("role");
  private static final ResponseHeader HEADER = ResponseHeader.newBuilder().setMemberId("s1")
      .setTerm(1).setLeaderId("s1").build();

  private final Server server;

  private TlsStub(Server server) {
    this.server = server;
  }

  /** A TLS server with {@code cert}/{@code key}, asking for client certificates per {@code auth}. */
  static TlsStub tls(Path cert, Path key, Path trustedCa, ClientAuth auth) throws IOException {
    return tls(cert, key, trustedCa, auth, null);
  }

  /** As {@link #tls(Path, Path, Path, ClientAuth)}, Status reporting {@code security} (or none). */
  static TlsStub tls(Path cert, Path key, Path trustedCa, ClientAuth auth, Security security)
      throws IOException {
    var b = GrpcSslContexts.forServer(cert.toFile(), key.toFile()).clientAuth(auth);
    if (trustedCa != null) {
      b.trustManager(trustedCa.toFile());
    }
    SslContext ssl = b.build();
    return start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(ssl), security);
  }

  /** A plaintext server. */
  static TlsStub plaintext() throws IOException {
    return start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), null);
  }

  private static TlsStub start(NettyServerBuilder b, Security security) throws IOException {
    ServerInterceptor who = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        String cn = "-";
        Identities.Role role = null;
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
          try {
            Certificate[] peer = session.getPeerCertificates();
            X509Certificate c = (X509Certificate) peer[0];
            cn = Identities.commonName(c);
            role = Identities.roleOf(c);
          } catch (SSLPeerUnverifiedException e) {
            // no client certificate
          }
        }
        Context ctx = Context.current().withValue(CLIENT, cn).withValue(ROLE, role);
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
    Server s = b.addService(ServerInterceptors.intercept(new Kv(), who))
        .addService(ServerInterceptors.intercept(new Cluster(security), who)).build().start();
    return new TlsStub(s);
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> response) {
      String key = request.getKey().toStringUtf8();
      if (key.equals("denied")) {
        response.onError(Status.PERMISSION_DENIED.withDescription("reading 'denied' needs the "
            + "role admin; client " + CLIENT.get() + " has another").asRuntimeException());
        return;
      }
      if (key.equals("unauth")) {
        response.onError(Status.UNAUTHENTICATED.withDescription("this listener needs a client "
            + "certificate").asRuntimeException());
        return;
      }
      response.onNext(GetResponse.newBuilder().setHeader(HEADER).setKv(KeyValue.newBuilder()
          .setKey(request.getKey()).setValue(ByteString.copyFromUtf8(CLIENT.get()))
          .setCreateIndex(1).setModIndex(1).setVersion(1)).build());
      response.onCompleted();
    }
  }

  private static final class Cluster extends ClusterGrpc.ClusterImplBase {
    private final Security security;

    Cluster(Security security) {
      this.security = security;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> response) {
      StatusResponse.Builder b = StatusResponse.newBuilder().setHeader(HEADER).setMemberId("s1")
          .setRole(Role.LEADER).setTerm(1);
      if (security != null) {
        b.setSecurity(security);
      }
      response.onNext(b.build());
      response.onCompleted();
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> response) {
      MemberInfo m = MemberInfo.newBuilder().setId(request.getId())
          .setAddress(request.getClientAddress()).setPeerAddress(request.getPeerAddress())
          .setIsLearner(true).build();
      response.onNext(MemberAddResponse.newBuilder().setHeader(HEADER.toBuilder()
          .setClusterId("lattice")).setMember(m).addMembers(m).build());
      response.onCompleted();
    }

    @Override
    public void memberRemove(MemberRemoveRequest request,
        StreamObserver<MemberRemoveResponse> response) {
      if (ROLE.get() != Identities.Role.ADMIN) {
        response.onError(Status.PERMISSION_DENIED.withDescription("MemberRemove needs a "
            + "certificate with the admin role; client " + CLIENT.get() + " has none")
            .asRuntimeException());
        return;
      }
      response.onNext(MemberRemoveResponse.newBuilder().setHeader(HEADER).build());
      response.onCompleted();
    }
  }
}
