#include "failure_report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kafka_sidecar::cli {
namespace {

Error Refused(const std::string& message) {
  return Error{.code = "KAFKA",
               .kafka_code = 3,
               .name = "UNKNOWN_TOPIC_OR_PART",
               .message = message,
               .retriable = true,
               .persistence = Persistence::kNotPersisted};
}

TEST(FailureReportTest, PrintsEachFailureAndCollapsesRuns) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&text, &size);
  FailureReport report(out);
  std::vector<Result<RecordMetadata>> results;
  results.push_back(RecordMetadata{.topic = "t"});
  results.push_back(Refused("a"));
  results.push_back(Refused("a"));
  results.push_back(Refused("b"));
  results.push_back(RecordMetadata{.topic = "t"});
  report.Add(11, results);
  std::fclose(out);
  EXPECT_EQ(report.failed(), 3u);
  EXPECT_EQ(std::string(text, size),
            "records 12-13 failed: UNKNOWN_TOPIC_OR_PART (3): a [retriable, "
            "not persisted]\n"
            "record 14 failed: UNKNOWN_TOPIC_OR_PART (3): b [retriable, not "
            "persisted]\n");
  std::free(text);
}

}  // namespace
}  // namespace kafka_sidecar::cli
