// `kafka-sidecar produce`: one record per input line, like `kcat -P`.
//
// Lines are encoded straight into a RecordBatch and sent as one produce
// request per batch; up to `window` requests are in flight while the next
// batch is read, so reading, sending and acknowledging overlap.
#ifndef KAFKA_SIDECAR_CLIENT_CLI_PRODUCE_COMMAND_H_
#define KAFKA_SIDECAR_CLIENT_CLI_PRODUCE_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "kafka_sidecar/client.h"
#include "line_reader.h"

namespace kafka_sidecar::cli {

struct ProduceOptions {
  ClientOptions client;
  std::string topic;
  std::optional<std::string> key;
  std::optional<int32_t> partition;
  std::vector<Header> headers;
  AckMode ack = AckMode::kDelivered;
  // Measured against kafka-sidecard --dev: 1000 lines per request starves
  // the daemon between acks; 2000-10000 are equal (it is then CPU-bound).
  size_t batch_records = 2000;
  // Keeps each batch well under the daemon's default 4 MiB frame limit; a
  // daemon with a lower one gets a batch as several requests (the client
  // splits on it).
  size_t batch_bytes = 1 << 20;
  // Requests in flight: at most window x batch_bytes of memory. Once the
  // daemon got faster, 8 x 2000 records no longer covered the time from
  // produce to ack (linger.ms, the broker round trip, acks=all): the CLI sat
  // waiting at ~1.5 M msg/s; 16 measured 1.7-2.0 M (bench/run.sh, 2 cores).
  size_t window = 16;
  bool print_acks = false;  // where each record landed, on `out`
};

// Produces every line of `input`, prints failures and a summary to `err`
// (and acks to `out` with print_acks), and returns the process exit code:
// 0 only if every record was acknowledged as `options.ack` asks.
int RunProduce(const ProduceOptions& options, LineReader& input, std::FILE* out,
               std::FILE* err);

// Parses "name=value" (value kept verbatim) or "name" (null value).
Header ParseHeader(const std::string& text);

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_PRODUCE_COMMAND_H_
