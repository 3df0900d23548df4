package io.coinssend.invoice.bitcoin.harness;

/** A failure a fake server plays for one request. */
public enum Fault {
  /** HTTP 500 with a plain-text body. */
  HTTP_500,
  /** HTTP 200 with a body that is not valid JSON (or, for a text route, not a hash). */
  MALFORMED_JSON,
  /** The next block read answers malformed data: bad hex over JSON-RPC, truncated bytes over REST. */
  BAD_HEX,
  /** The connection is closed without an answer. */
  DROP_CONNECTION,
  /** No answer until the client gives up (it must time out). */
  STALL,
  /** Headers and the start of a body, then nothing until the client gives up (the whole answer must time out). */
  STALL_IN_BODY
}
