#include "line_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace kafka_sidecar::cli {
namespace {

// Serves `input` at most `chunk` bytes per read, like a slow pipe.
LineReader::Source StringSource(std::string input, size_t chunk) {
  return [input = std::move(input), chunk, offset = size_t{0}](
             char* buffer, size_t size) mutable -> ssize_t {
    const size_t n = std::min({chunk, size, input.size() - offset});
    input.copy(buffer, n, offset);
    offset += n;
    return static_cast<ssize_t>(n);
  };
}

std::vector<std::string> ReadAll(LineReader& reader) {
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.Next(&line)) lines.emplace_back(line);
  return lines;
}

TEST(LineReaderTest, SplitsAtEveryReadAndBlockSize) {
  const std::string input = "one\ntwo\n\nthree has spaces\r\nlast";
  const std::vector<std::string> expected = {"one", "two", "",
                                             "three has spaces\r", "last"};
  for (size_t block = 1; block <= input.size() + 1; ++block) {
    for (size_t chunk = 1; chunk <= input.size() + 1; ++chunk) {
      LineReader reader(StringSource(input, chunk), block);
      EXPECT_EQ(ReadAll(reader), expected) << block << " " << chunk;
      EXPECT_TRUE(reader.error().empty());
    }
  }
}

TEST(LineReaderTest, TrailingNewlineAddsNoEmptyLine) {
  LineReader reader(StringSource("a\nb\n", 3), 4);
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{"a", "b"}));
  LineReader empty(StringSource("", 3), 4);
  EXPECT_TRUE(ReadAll(empty).empty());
}

TEST(LineReaderTest, LinesLongerThanTheBlockGrowIt) {
  const std::string long_line(100000, 'x');
  LineReader reader(StringSource(long_line + "\nshort\n", 4096), 16);
  EXPECT_EQ(ReadAll(reader), (std::vector<std::string>{long_line, "short"}));
}

TEST(LineReaderTest, ReadErrorStopsAndIsReported) {
  int calls = 0;
  LineReader reader(
      [&calls](char* buffer, size_t size) -> ssize_t {
        if (calls++ == 0) {
          std::string("ok\npartial").copy(buffer, size);
          return 10;
        }
        errno = EIO;
        return -1;
      },
      64);
  EXPECT_EQ(ReadAll(reader), std::vector<std::string>{"ok"});
  EXPECT_EQ(reader.error(), std::strerror(EIO));
}

}  // namespace
}  // namespace kafka_sidecar::cli
