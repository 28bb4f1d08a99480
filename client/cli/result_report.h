// Counts failed records and prints each one with its error, and, when asked,
// where each delivered record landed. Consecutive
// records that failed the same way (a whole batch refused, the daemon
// gone) print as one range, so a dead daemon costs one line per batch, not
// one per message. Thread-safe: results arrive on the client's reader
// thread and, for requests that could not be sent, on the sending thread.
#ifndef KAFKA_SIDECAR_CLIENT_CLI_RESULT_REPORT_H_
#define KAFKA_SIDECAR_CLIENT_CLI_RESULT_REPORT_H_

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <vector>

#include "kafka_sidecar/record.h"
#include "kafka_sidecar/result.h"

namespace kafka_sidecar::cli {

class ResultReport {
 public:
  // Failures go to `errors`; successes to `acks` unless it is null.
  explicit ResultReport(std::FILE* errors, std::FILE* acks = nullptr)
      : errors_(errors), acks_(acks) {}

  // `results` belong to records numbered first_record, first_record+1, ...
  // (1-based, in input order).
  void Add(uint64_t first_record,
           const std::vector<Result<RecordMetadata>>& results);
  uint64_t failed() const;

 private:
  void PrintFailure(uint64_t first, uint64_t last, const Error& error);
  void PrintAck(uint64_t record, const RecordMetadata& metadata);

  std::FILE* const errors_;
  std::FILE* const acks_;
  mutable std::mutex mu_;
  uint64_t failed_ = 0;
};

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_RESULT_REPORT_H_
