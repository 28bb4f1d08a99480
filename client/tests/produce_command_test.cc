#include "produce_command.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace kafka_sidecar::cli {
namespace {

TEST(ProduceCommandTest, ParseHeader) {
  EXPECT_EQ(ParseHeader("trace=a=b"), (Header{"trace", "a=b"}));
  EXPECT_EQ(ParseHeader("empty="), (Header{"empty", ""}));
  EXPECT_EQ(ParseHeader("null"), (Header{"null", std::nullopt}));
}

TEST(ProduceCommandTest, MissingDaemonFailsBeforeReadingInput) {
  ProduceOptions options;
  options.client.socket_path = "/tmp/ks-cli-test-absent.sock";
  options.topic = "t";
  bool read = false;
  LineReader input(
      [&read](char*, size_t) -> ssize_t {
        read = true;
        return 0;
      },
      64);
  char* text = nullptr;
  size_t size = 0;
  std::FILE* err = ::open_memstream(&text, &size);
  EXPECT_EQ(RunProduce(options, input, stdout, err), 1);
  std::fclose(err);
  EXPECT_FALSE(read);
  EXPECT_NE(std::string(text, size).find("DAEMON_UNREACHABLE"),
            std::string::npos);
  std::free(text);
}

}  // namespace
}  // namespace kafka_sidecar::cli
