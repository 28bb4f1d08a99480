#include "result_report.h"

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

TEST(ResultReportTest, PrintsEachFailureAndCollapsesRuns) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&text, &size);
  ResultReport report(out);
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

TEST(ResultReportTest, PrintsAcksWhenAsked) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* acks = ::open_memstream(&text, &size);
  ResultReport report(stderr, acks);
  std::vector<Result<RecordMetadata>> results;
  results.push_back(RecordMetadata{
      .topic = "t", .partition = 2, .offset = 40, .timestamp_ms = 1000});
  results.push_back(RecordMetadata{.topic = "t"});  // accepted only
  report.Add(1, results);
  std::fclose(acks);
  EXPECT_EQ(report.failed(), 0u);
  EXPECT_EQ(std::string(text, size),
            "record 1: partition 2, offset 40, timestamp 1000\n"
            "record 2: accepted, not yet acknowledged by Kafka\n");
  std::free(text);
}

}  // namespace
}  // namespace kafka_sidecar::cli
