// Splits a byte stream into '\n'-terminated lines, reading it in large
// blocks so a million short lines cost a few hundred reads and no per-line
// allocation. A last line without '\n' still counts; '\r' is kept, as
// `kcat -P` does. Single-threaded.
#ifndef KAFKA_SIDECAR_CLIENT_CLI_LINE_READER_H_
#define KAFKA_SIDECAR_CLIENT_CLI_LINE_READER_H_

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kafka_sidecar::cli {

class LineReader {
 public:
  // Like read(2): bytes read, 0 at end of input, -1 with errno on error.
  using Source = std::function<ssize_t(char* buffer, size_t size)>;

  static constexpr size_t kDefaultBlockBytes = 1 << 20;

  explicit LineReader(Source source, size_t block_bytes = kDefaultBlockBytes);
  // Reads file descriptor `fd` (not owned).
  static LineReader ForFd(int fd, size_t block_bytes = kDefaultBlockBytes);

  // The next line, without its '\n'; valid until the next call. False at
  // end of input or on a read error (see error()).
  [[nodiscard]] bool Next(std::string_view* line);

  // Empty unless reading failed.
  const std::string& error() const { return error_; }

 private:
  // Reads more input after the unconsumed bytes; false at end or error.
  bool Fill();
  // The last line, which has no '\n'.
  bool TakeRest(std::string_view* line);

  Source source_;
  std::vector<char> buffer_;
  size_t begin_ = 0;    // first unconsumed byte
  size_t end_ = 0;      // one past the last byte read
  size_t scanned_ = 0;  // bytes after begin_ known to hold no '\n'
  bool eof_ = false;
  std::string error_;
};

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_LINE_READER_H_
