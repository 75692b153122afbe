package io.lattice.api;

import io.lattice.kv.KvEntry;
import io.lattice.kv.KvResult;
import io.lattice.kv.RangeResult;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.TxnOpResult;
import io.lattice.proto.v1.TxnResponse;

/** Builds KV responses from state-machine results and reads (no I/O, no node access). */
final class KvResponses {
  private KvResponses() {}

  static TxnResponse txn(ResponseHeader header, KvResult.Txn r) {
    TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(header)
        .setSucceeded(r.succeeded()).setIndex(r.index());
    for (KvResult.OpResult op : r.results()) {
      b.addResults(opResult(op));
    }
    return b.build();
  }

  /**
   * A Range answer: the key-values the state machine's scan returned (it stopped at the answer
   * limit, {@link io.lattice.kv.KvLimits#MAX_RESULT_BYTES}, and said so with {@code more}).
   */
  static RangeResponse range(ResponseHeader header, RangeResult r) {
    RangeResponse.Builder b = RangeResponse.newBuilder().setHeader(header).setMore(r.more())
        .setCount(r.count());
    for (KvEntry e : r.kvs()) {
      b.addKvs(Responses.kv(e));
    }
    return b.build();
  }

  private static TxnOpResult opResult(KvResult.OpResult op) {
    if (op instanceof KvResult.PutOp p) {
      TxnOpResult.PutResult.Builder b = TxnOpResult.PutResult.newBuilder().setVersion(p.version());
      if (p.prevKv() != null) {
        b.setPrevKv(Responses.kv(p.prevKv()));
      }
      return TxnOpResult.newBuilder().setPut(b).build();
    }
    if (op instanceof KvResult.DeleteOp d) {
      TxnOpResult.DeleteResult.Builder b = TxnOpResult.DeleteResult.newBuilder()
          .setDeleted(d.deleted());
      if (d.prevKv() != null) {
        b.setPrevKv(Responses.kv(d.prevKv()));
      }
      return TxnOpResult.newBuilder().setDelete(b).build();
    }
    KvResult.GetOp g = (KvResult.GetOp) op;
    TxnOpResult.GetResult.Builder b = TxnOpResult.GetResult.newBuilder();
    if (g.kv() != null) {
      b.setKv(Responses.kv(g.kv()));
    }
    return TxnOpResult.newBuilder().setGet(b).build();
  }
}
