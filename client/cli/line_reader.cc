#include "line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kafka_sidecar::cli {

LineReader::LineReader(Source source, size_t block_bytes)
    : source_(std::move(source)), buffer_(block_bytes > 0 ? block_bytes : 1) {}

LineReader LineReader::ForFd(int fd, size_t block_bytes) {
  return LineReader(
      [fd](char* buffer, size_t size) {
        ssize_t n;
        do {
          n = ::read(fd, buffer, size);
        } while (n < 0 && errno == EINTR);
        return n;
      },
      block_bytes);
}

bool LineReader::Next(std::string_view* line) {
  while (true) {
    const char* start = buffer_.data() + begin_;
    const size_t available = end_ - begin_;
    const void* newline =
        std::memchr(start + scanned_, '\n', available - scanned_);
    if (newline != nullptr) {
      const size_t length = static_cast<const char*>(newline) - start;
      *line = std::string_view(start, length);
      begin_ += length + 1;
      scanned_ = 0;
      return true;
    }
    scanned_ = available;
    if (!Fill()) return TakeRest(line);
  }
}

bool LineReader::TakeRest(std::string_view* line) {
  if (begin_ == end_ || !error_.empty()) return false;
  *line = std::string_view(buffer_.data() + begin_, end_ - begin_);
  begin_ = end_;
  scanned_ = 0;
  return true;
}

bool LineReader::Fill() {
  if (eof_) return false;
  if (begin_ > 0) {  // keep the partial line, drop what was consumed
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // long line
  const ssize_t n = source_(buffer_.data() + end_, buffer_.size() - end_);
  if (n > 0) {
    end_ += static_cast<size_t>(n);
    return true;
  }
  eof_ = true;
  if (n < 0) error_ = std::strerror(errno);
  return false;
}

}  // namespace kafka_sidecar::cli
