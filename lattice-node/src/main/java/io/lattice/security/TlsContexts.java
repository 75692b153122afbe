package io.lattice.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;

/**
 * Builds Netty {@link SslContext}s for gRPC from the reloading key and trust managers. BoringSSL
 * (which grpc-netty-shaded bundles) is used when it loads and supports key managers, else the
 * JDK's TLS.
 */
final class TlsContexts {
  private TlsContexts() {}

  /** The TLS implementation in use: OPENSSL (BoringSSL) when available, else JDK. */
  static SslProvider provider() {
    return OpenSsl.isAvailable() && OpenSsl.supportsKeyManagerFactory() ? SslProvider.OPENSSL
        : SslProvider.JDK;
  }

  /** A listener's context; {@code trust} may be null only with {@link ClientAuth#NONE}. */
  static SslContext server(KeyManager keys, TrustManager trust, ClientAuth auth)
      throws IOException {
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(keys), provider())
        .clientAuth(auth);
    if (trust != null) {
      b.trustManager(trust);
    }
    return b.build();
  }

  /** The context the node dials its peers with: its peer certificate, the peer CA. */
  static SslContext client(KeyManager keys, TrustManager trust) throws IOException {
    return GrpcSslContexts.configure(SslContextBuilder.forClient(), provider()).keyManager(keys)
        .trustManager(trust).build();
  }
}
