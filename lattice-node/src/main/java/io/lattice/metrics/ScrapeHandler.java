package io.lattice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/** Serves {@code /metrics} after refreshing the gauges that are read at scrape time. */
final class ScrapeHandler implements HttpHandler {
  private final ReplicationGauges gauges;
  private final HttpHandler metrics;

  ScrapeHandler(ReplicationGauges gauges, HttpHandler metrics) {
    this.gauges = gauges;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestURI().getPath().equals("/metrics")) {
      try (exchange) {
        PlainResponses.notFound(exchange);
      }
      return;
    }
    gauges.refresh();
    metrics.handle(exchange);
  }
}
