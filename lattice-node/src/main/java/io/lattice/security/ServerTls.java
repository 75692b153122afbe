package io.lattice.security;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;

/**
 * The TLS of one listener: its {@link SslContext} (certificate, trusted CAs, whether a client
 * certificate is required) and the {@link AuthInterceptor} that checks each call; or plaintext.
 */
public final class ServerTls {
  private static final ServerTls PLAINTEXT = new ServerTls(null, null);

  private final SslContext sslContext;
  private final AuthInterceptor interceptor;

  ServerTls(SslContext sslContext, AuthInterceptor interceptor) {
    this.sslContext = sslContext;
    this.interceptor = interceptor;
  }

  /** No TLS and no checks (--insecure). */
  public static ServerTls plaintext() {
    return PLAINTEXT;
  }

  /** Whether this listener serves TLS. */
  public boolean isTls() {
    return sslContext != null;
  }

  /** Puts the TLS and the interceptor on a listener's builder (nothing for plaintext). */
  public NettyServerBuilder applyTo(NettyServerBuilder b) {
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    if (interceptor != null) {
      b.intercept(interceptor);
    }
    return b;
  }
}
