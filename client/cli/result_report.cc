#include "result_report.h"

#include <string>

namespace kafka_sidecar::cli {
namespace {

bool SameError(const Error& a, const Error& b) {
  return a.code == b.code && a.kafka_code == b.kafka_code && a.name == b.name &&
         a.message == b.message && a.retriable == b.retriable &&
         a.persistence == b.persistence;
}

}  // namespace

void ResultReport::Add(uint64_t first_record,
                       const std::vector<Result<RecordMetadata>>& results) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < results.size()) {
    if (results[i].ok()) {
      if (acks_ != nullptr) PrintAck(first_record + i, *results[i]);
      ++i;
      continue;
    }
    const Error& error = results[i].error();
    size_t end = i + 1;
    while (end < results.size() && !results[end].ok() &&
           SameError(results[end].error(), error)) {
      ++end;
    }
    failed_ += end - i;
    PrintFailure(first_record + i, first_record + end - 1, error);
    i = end;
  }
}

uint64_t ResultReport::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

void ResultReport::PrintAck(uint64_t record, const RecordMetadata& metadata) {
  if (metadata.offset == RecordMetadata::kUnknown) {  // ACCEPTED / NONE
    std::fprintf(acks_, "record %llu: %s\n",
                 static_cast<unsigned long long>(record),
                 "accepted, not yet acknowledged by Kafka");
    return;
  }
  std::fprintf(acks_,
               "record %llu: partition %d, offset %lld, timestamp %lld\n",
               static_cast<unsigned long long>(record), metadata.partition,
               static_cast<long long>(metadata.offset),
               static_cast<long long>(metadata.timestamp_ms));
}

void ResultReport::PrintFailure(uint64_t first, uint64_t last,
                                const Error& error) {
  const std::string text = error.ToString();
  if (first == last) {
    std::fprintf(errors_, "record %llu failed: %s\n",
                 static_cast<unsigned long long>(first), text.c_str());
  } else {
    std::fprintf(errors_, "records %llu-%llu failed: %s\n",
                 static_cast<unsigned long long>(first),
                 static_cast<unsigned long long>(last), text.c_str());
  }
}

}  // namespace kafka_sidecar::cli
