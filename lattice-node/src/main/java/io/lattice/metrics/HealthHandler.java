package io.lattice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Answers one {@link HealthCheck.Kind} at exactly its path: 200 with the JSON report when the
 * check passes, 503 when it fails, 404 for any longer path under it (the JDK server routes by
 * prefix), 405 for a method other than GET and HEAD. Responses are never cached.
 */
final class HealthHandler implements HttpHandler {
  private final HealthCheck check;
  private final HealthCheck.Kind kind;

  HealthHandler(HealthCheck check, HealthCheck.Kind kind) {
    this.check = check;
    this.kind = kind;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!path.equals(kind.path())) {
        PlainResponses.notFound(exchange);
        return;
      }
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        PlainResponses.send(exchange, 405, "only GET and HEAD\n");
        return;
      }
      HealthReport report = check.run(kind);
      byte[] body = (report.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      int code = report.healthy() ? 200 : 503;
      if (method.equals("HEAD")) {
        exchange.sendResponseHeaders(code, -1);
        return;
      }
      exchange.sendResponseHeaders(code, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
