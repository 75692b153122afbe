package io.lattice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/**
 * Everything no other context claims: {@code /} lists what the listener serves, any other path
 * is 404. (The exporter's default handler answered 200 with its index page for every path, so a
 * health check pointed at a wrong path passed.)
 */
final class RootHandler implements HttpHandler {
  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (exchange.getRequestURI().getPath().equals("/")) {
        PlainResponses.send(exchange, 200, "Lattice node: " + PlainResponses.PATHS + "\n");
      } else {
        PlainResponses.notFound(exchange);
      }
    }
  }
}
