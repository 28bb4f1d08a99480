// The C++ client of kafka-sidecard: hands records to the local daemon over
// its Unix socket and reports the exact fate of each one.
//
// Threads: every method may be called from any number of threads at once on
// one Client. Callbacks run on the client's reader thread, in the order the
// daemon answers; when a request cannot be sent at all (daemon unreachable)
// its callback runs synchronously on the calling thread before the call
// returns. A callback must be quick and must not call the blocking methods
// (Produce, ProduceBatch, Ping, Flush) or destroy the Client: the reader
// thread it runs on is the one that would answer them. Starting more async
// requests from a callback is allowed.
//
// Connections: the client connects lazily on first use, opens each
// connection with a Hello, and pipelines every request on that one
// connection. If the connection dies, requests in flight on it fail with
// CONNECTION_LOST (outcome unknown) and the next call reconnects.
#ifndef KAFKA_SIDECAR_CLIENT_CLIENT_H_
#define KAFKA_SIDECAR_CLIENT_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_sidecar/record.h"
#include "kafka_sidecar/record_batch.h"
#include "kafka_sidecar/result.h"

namespace kafka_sidecar {

// $KAFKA_SIDECAR_SOCKET, else /run/kafka-sidecar/kafka-sidecar.sock.
std::string DefaultSocketPath();

struct ClientOptions {
  std::string socket_path = DefaultSocketPath();
  // Bounds connect() plus the Hello exchange.
  std::chrono::milliseconds connect_timeout{5000};
  // A request with no answer after this long fails with TIMEOUT (outcome
  // unknown). The default sits above librdkafka's default
  // message.timeout.ms (300 s) so the daemon's own verdict normally comes
  // first. nullopt waits for the daemon, which answers every request.
  std::optional<std::chrono::milliseconds> request_timeout =
      std::chrono::seconds(330);
  // The destructor waits this long for requests in flight, then fails the
  // rest with CLIENT_CLOSED.
  std::chrono::milliseconds close_timeout{10000};
  // Shown in the daemon's logs.
  std::string client_name = "kafka-sidecar-cpp";
  // When the daemon's producer queue is full it normally stops reading the
  // connection until Kafka frees space, so requests wait (backpressure).
  // With fail_fast every produce request of this client asks instead that
  // the records which do not fit fail at once with QUEUE_FULL (retriable,
  // not persisted) while the rest of the request proceeds: for a caller,
  // such as a web handler, that must not wait behind a full queue.
  bool fail_fast = false;
};

using RecordCallback = std::function<void(Result<RecordMetadata>)>;
using BatchCallback = std::function<void(std::vector<Result<RecordMetadata>>)>;

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Blocks until the daemon answers as `ack` asks (default: Kafka's ack).
  Result<RecordMetadata> Produce(const Record& record,
                                 AckMode ack = AckMode::kDelivered);
  // Pipelined: returns once the request is written to the socket.
  void ProduceAsync(const Record& record, RecordCallback callback,
                    AckMode ack = AckMode::kDelivered);
  std::future<Result<RecordMetadata>> ProduceFuture(
      const Record& record, AckMode ack = AckMode::kDelivered);

  // One request carrying every record, or, when the batch exceeds a limit
  // the daemon announces in its Hello (max_records_per_request, or
  // max_frame_bytes counting the request's own bytes), consecutive requests
  // each within both; each record then succeeds or fails on its own, and a
  // record too large for any request fails alone with FRAME_TOO_LARGE while
  // the others are sent. One result per record, in record order. With
  // AckMode::kNone the results only say whether the request was written.
  std::vector<Result<RecordMetadata>> ProduceBatch(
      const std::vector<Record>& records, AckMode ack = AckMode::kDelivered);
  void ProduceBatchAsync(const std::vector<Record>& records, AckMode ack,
                         BatchCallback callback);
  // As above for records already encoded; `batch` may be reused at once.
  void ProduceBatchAsync(const RecordBatch& batch, AckMode ack,
                         BatchCallback callback);

  // Fire and forget (AckMode::kNone): fails only if the record could not be
  // written to the daemon. The daemon logs and counts delivery failures.
  Status Send(const Record& record);

  Result<PingInfo> Ping();

  // Waits until every request in flight has completed, or fails with
  // TIMEOUT naming how many remain.
  Status Flush(std::chrono::milliseconds timeout);

  // Requests sent and not yet answered.
  size_t in_flight() const;

 private:
  class Impl;
  // Sends `encoded` (record fields of a RecordBatch) as one request.
  void SubmitProduce(std::string_view encoded,
                     const std::vector<RecordBatch::TopicRun>& topics,
                     AckMode ack, BatchCallback callback);

  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_CLIENT_H_
