// Requests of one connection that await an answer, by request id.
//
// Thread-safe: writer threads Add() before sending and MarkWritten() after;
// the reader thread Take()s answered ones, expires overdue ones and, when
// the connection dies, Close()s the table. Only fully written requests are
// expired or failed as "lost": one that never fully left stays with its
// writer, which knows the daemon never saw it. Close() and MarkWritten()
// share the lock, so a request is never stranded between the two.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_PENDING_TABLE_H_
#define KAFKA_SIDECAR_CLIENT_SRC_PENDING_TABLE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kafka_sidecar/result.h"

namespace kafka_sidecar {
namespace v1 {
class Response;
}  // namespace v1

// Completes one request: the daemon's answer (valid during the call only)
// or the client-side error that ended it. Called exactly once.
using ResponseHandler = std::function<void(Result<const v1::Response*>)>;

class PendingTable {
 public:
  using Clock = std::chrono::steady_clock;

  // False when the table is closed: the handler stays with the caller.
  [[nodiscard]] bool Add(uint64_t id, ResponseHandler& handler,
                         std::optional<Clock::time_point> deadline);
  // Records that the request is fully written. If the table closed
  // meanwhile, hands the handler back: the caller must fail it.
  [[nodiscard]] std::optional<ResponseHandler> MarkWritten(uint64_t id);
  // Removes a request: answered, or its write failed.
  [[nodiscard]] std::optional<ResponseHandler> Take(uint64_t id);
  // Removes written requests whose deadline is before `now`. Scans the
  // whole table, so callers space calls out.
  [[nodiscard]] std::vector<ResponseHandler> TakeExpired(Clock::time_point now);
  // Refuses new requests and removes every written one.
  [[nodiscard]] std::vector<ResponseHandler> Close();

  size_t size() const;

 private:
  struct Entry {
    ResponseHandler handler;
    std::optional<Clock::time_point> deadline;
    bool written = false;
  };

  mutable std::mutex mu_;
  bool closed_ = false;
  std::unordered_map<uint64_t, Entry> entries_;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_PENDING_TABLE_H_
