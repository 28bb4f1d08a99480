#include "failure_report.h"

#include <string>

namespace kafka_sidecar::cli {
namespace {

bool SameError(const Error& a, const Error& b) {
  return a.code == b.code && a.kafka_code == b.kafka_code && a.name == b.name &&
         a.message == b.message && a.retriable == b.retriable &&
         a.persistence == b.persistence;
}

}  // namespace

void FailureReport::Add(uint64_t first_record,
                        const std::vector<Result<RecordMetadata>>& results) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < results.size()) {
    if (results[i].ok()) {
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
    Print(first_record + i, first_record + end - 1, error);
    i = end;
  }
}

uint64_t FailureReport::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

void FailureReport::Print(uint64_t first, uint64_t last, const Error& error) {
  const std::string text = error.ToString();
  if (first == last) {
    std::fprintf(out_, "record %llu failed: %s\n",
                 static_cast<unsigned long long>(first), text.c_str());
  } else {
    std::fprintf(out_, "records %llu-%llu failed: %s\n",
                 static_cast<unsigned long long>(first),
                 static_cast<unsigned long long>(last), text.c_str());
  }
}

}  // namespace kafka_sidecar::cli
