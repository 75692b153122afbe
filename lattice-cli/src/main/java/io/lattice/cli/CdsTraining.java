package io.lattice.cli;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.OpenSessionResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The training run behind the launcher's class-data-sharing archive ({@code
 * lib/lattice-<Java version>.jsa}, see {@code bin/lattice}): the archive holds every class this run
 * loads, so the run loads what the common commands load. It runs {@code --help}, {@code get} and {@code put}
 * through the real command tree against a stand-in KV service on 127.0.0.1 (an ephemeral port, in
 * this JVM), so the whole client path is loaded, sending the request and reading the answer
 * included, without a cluster. Output is discarded. Exits 0, or 1 when a command did not succeed.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    // the stand-in server starts Netty before any client does: with the client's settings, so
    // that the archive holds what the CLI loads (not SLF4J, logback and JFR support)
    io.lattice.cli.client.Channels.configureNetty();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0))
        .addService(new StandIn()).build().start();
    int failed = 0;
    try {
      String endpoint = loopback.getHostAddress() + ":" + server.getPort();
      String[][] commands = {
          {"--help"},
          {"get", "--help"},
          {"get", "training", "--endpoints", endpoint, "--timeout", "5s"},
          {"put", "training", "value", "--endpoints", endpoint, "--timeout", "5s"},
      };
      for (String[] command : commands) {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        CliContext ctx = new CliContext(InputStream.nullInputStream(),
            OutputStream.nullOutputStream(), Map.of());
        if (LatticeCommand.commandLine(ctx, none, none, command).execute(command) != ExitCodes.OK) {
          System.err.println("training run: `lattice " + String.join(" ", command)
              + "` failed");
          failed++;
        }
      }
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(failed == 0 ? 0 : 1);
  }

  /**
   * Answers every get and put, and opens and closes the put's session, as a one-member cluster
   * whose leader is itself.
   */
  private static final class StandIn extends KVGrpc.KVImplBase {
    private static final ResponseHeader HEADER = ResponseHeader.newBuilder()
        .setMemberId("training").setTerm(1).setAppliedIndex(1).setLeaderId("training").build();

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> response) {
      response.onNext(GetResponse.newBuilder().setHeader(HEADER).setKv(KeyValue.newBuilder()
          .setKey(request.getKey()).setValue(ByteString.copyFromUtf8("value"))
          .setCreateIndex(1).setModIndex(1).setVersion(1)).build());
      response.onCompleted();
    }

    @Override
    public void openSession(OpenSessionRequest request,
        StreamObserver<OpenSessionResponse> response) {
      response.onNext(OpenSessionResponse.newBuilder().setHeader(HEADER).setSessionId(1).build());
      response.onCompleted();
    }

    @Override
    public void closeSession(CloseSessionRequest request,
        StreamObserver<CloseSessionResponse> response) {
      response.onNext(CloseSessionResponse.newBuilder().setHeader(HEADER).setClosed(true)
          .setIndex(3).build());
      response.onCompleted();
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
      response.onNext(PutResponse.newBuilder().setHeader(HEADER).setModIndex(2).setVersion(2)
          .build());
      response.onCompleted();
    }
  }
}
