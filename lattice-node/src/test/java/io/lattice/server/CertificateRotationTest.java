package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.StatusRequest;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's certificate files are replaced while a client keeps writing through it: no call fails,
 * and new handshakes present the new certificate, without a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateRotationTest {
  @TempDir Path tmp;

  @Test
  void rotatedCertificateFilesAreUsedWithoutARestartAndNoCallFails() throws Exception {
    try (SecureClusterFixture cluster = new SecureClusterFixture(tmp, false)) {
      NodeServer leader = cluster.awaitLeader();
      String id = leader.node().id();
      String address = cluster.servers.get(id).clientAddress();
      BigInteger oldSerial = presentedSerial(cluster, address);

      ManagedChannel ch = cluster.track(cluster.pki.channel(address, null));
      AtomicLong ok = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (long i = 0; !Thread.currentThread().isInterrupted(); i++) {
          try {
            ByteString k = ByteString.copyFromUtf8("k" + (i % 16));
            kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(k)
                .setValue(k).build());
            ok.incrementAndGet();
          } catch (RuntimeException e) {
            if (!Thread.currentThread().isInterrupted()) {
              failure.compareAndSet(null, e);
            }
            return;
          }
        }
      }, "rotation-writer");
      writer.start();
      while (ok.get() < 20) {
        Thread.sleep(10);
      }

      BigInteger newSerial = cluster.pki.node(id).certificate().getSerialNumber(); // rewrites files
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      BigInteger seen = oldSerial;
      while (!seen.equals(newSerial) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        seen = presentedSerial(cluster, address);
      }
      long atRotation = ok.get();
      while (ok.get() < atRotation + 20 && failure.get() == null) {
        Thread.sleep(10);
      }
      writer.interrupt();
      writer.join(10_000);

      assertThat(seen).as("the certificate new handshakes present").isEqualTo(newSerial)
          .isNotEqualTo(oldSerial);
      assertThat(failure.get()).as("a call failed during the rotation").isNull();
      // the rotated node still talks to its peers (its peer certificate is the same file)
      assertThat(cluster.awaitLeader()).isNotNull();
    }
  }

  /** The serial of the certificate a new TLS connection to {@code address} is shown. */
  private static BigInteger presentedSerial(SecureClusterFixture cluster, String address)
      throws Exception {
    AtomicReference<X509Certificate> shown = new AtomicReference<>();
    ManagedChannel ch = NettyChannelBuilder.forTarget(address).sslContext(GrpcSslContexts
        .forClient().trustManager(new Recording(shown)).build()).build();
    try {
      ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(2, TimeUnit.SECONDS);
    }
    return shown.get().getSerialNumber();
  }

  /** Trusts any server and records its certificate (test only). */
  private static final class Recording extends X509ExtendedTrustManager {
    private final AtomicReference<X509Certificate> shown;

    Recording(AtomicReference<X509Certificate> shown) {
      this.shown = shown;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      shown.set(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) {
      shown.set(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e) {
      shown.set(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
