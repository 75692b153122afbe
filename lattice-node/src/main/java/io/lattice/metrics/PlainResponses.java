package io.lattice.metrics;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Small plain-text answers of the metrics listener. */
final class PlainResponses {
  /** The paths the listener serves, for the 404 text and the index page. */
  static final String PATHS = "/metrics, /health, /readyz, /livez";

  private PlainResponses() {}

  static void notFound(HttpExchange exchange) throws IOException {
    send(exchange, 404, "not found: " + exchange.getRequestURI().getPath() + " (this listener "
        + "serves " + PATHS + ")\n");
  }

  static void send(HttpExchange exchange, int code, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(code, -1);
      return;
    }
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
