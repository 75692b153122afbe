package io.lattice.cli.client;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.StatusResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where requests go: one channel per address (opened on first use, on an event loop this router
 * owns), the leader last learned of, and which endpoint to try next when the leader is unknown or
 * an endpoint does not answer. Thread-safe.
 */
final class Router implements AutoCloseable {
  private final List<String> endpoints;
  private final Channels channels;
  private final AccessErrors access;
  private final Map<String, ManagedChannel> byAddress = new HashMap<>();
  private volatile String leaderHint;
  private int preferred;

  /** A router for {@code endpoints}, dialling with {@code tls} (null: plaintext). */
  Router(List<String> endpoints, ClientTls tls) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    this.endpoints = List.copyOf(endpoints);
    this.channels = new Channels(1, tls);
    this.access = new AccessErrors(tls);
  }

  /** How the channels dial: null for plaintext. */
  ClientTls tls() {
    return channels.tls();
  }

  /**
   * Fails at once, as {@link ClientException.Outcome#DENIED} with a message in plain words, if
   * the call to {@code address} failed for a reason of security (see {@link AccessErrors}).
   */
  void checkDenied(io.grpc.StatusRuntimeException e, String address, AccessErrors.Need need) {
    String denied = access.explain(e, address, need);
    if (denied != null) {
      throw new ClientException(ClientException.Outcome.DENIED, denied, e);
    }
  }

  List<String> endpoints() {
    return endpoints;
  }

  synchronized ManagedChannel channel(String address) {
    return byAddress.computeIfAbsent(address, channels::open);
  }

  /** Where to send next: the leader if {@code toLeader} and one is known, else an endpoint. */
  synchronized String target(boolean toLeader) {
    String hint = leaderHint;
    return toLeader && hint != null ? hint : endpoints.get(preferred % endpoints.size());
  }

  /** The known leader first (if any), then every endpoint. */
  List<String> candidates() {
    List<String> order = new ArrayList<>();
    String hint = leaderHint;
    if (hint != null) {
      order.add(hint);
    }
    order.addAll(endpoints);
    return order;
  }

  /** Moves past {@code address} if it is the endpoint that would be tried next. */
  synchronized void skip(String address) {
    if (endpoints.get(preferred % endpoints.size()).equals(address)) {
      preferred = (preferred + 1) % endpoints.size();
    }
  }

  /** Sets the leader to try first ({@code host:port}). */
  void leaderAt(String address) {
    leaderHint = address;
  }

  /** Forgets the leader if it was {@code address} (it did not answer, or is shutting down). */
  void forgetLeader(String address) {
    if (address.equals(leaderHint)) {
      leaderHint = null;
    }
  }

  void forgetLeader() {
    leaderHint = null;
  }

  /** Learns the leader named in {@code response}'s header (every API response has one). */
  <T> T learn(T response) {
    ResponseHeader h = headerOf(response);
    if (h != null && !h.getLeaderAddress().isEmpty()) {
      leaderHint = h.getLeaderAddress();
    }
    return response;
  }

  /**
   * The header of {@code response}, or null if it has none. The answers of one-shot commands are
   * read directly: the generic way, by field name, initialises the descriptors of the whole API
   * (parsing them and the protobuf feature defaults), which a command that only reads its answer
   * never needs otherwise; that cost tens of milliseconds of start-up CPU.
   */
  private static ResponseHeader headerOf(Object response) {
    if (response instanceof GetResponse r) {
      return r.hasHeader() ? r.getHeader() : null;
    } else if (response instanceof PutResponse r) {
      return r.hasHeader() ? r.getHeader() : null;
    } else if (response instanceof RangeResponse r) {
      return r.hasHeader() ? r.getHeader() : null;
    } else if (response instanceof DeleteResponse r) {
      return r.hasHeader() ? r.getHeader() : null;
    } else if (response instanceof StatusResponse r) {
      return r.hasHeader() ? r.getHeader() : null;
    } else if (response instanceof Message m) {
      Descriptors.FieldDescriptor f = m.getDescriptorForType().findFieldByName("header");
      if (f != null && m.hasField(f)) {
        return (ResponseHeader) m.getField(f);
      }
    }
    return null;
  }

  @Override
  public void close() {
    channels.close();
  }
}
