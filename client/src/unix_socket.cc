#include "unix_socket.h"

#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace kafka_sidecar {
namespace {

timeval ToTimeval(std::chrono::milliseconds timeout) {
  const auto ms = std::max<long long>(timeout.count(), 1);
  return timeval{.tv_sec = static_cast<time_t>(ms / 1000),
                 .tv_usec = static_cast<suseconds_t>(ms % 1000 * 1000)};
}

// Advances `iov` past `n` written bytes; returns the first unfinished one.
size_t Advance(std::vector<iovec>& iov, size_t first, size_t n) {
  while (first < iov.size() && n >= iov[first].iov_len) {
    n -= iov[first].iov_len;
    ++first;
  }
  if (first < iov.size()) {
    iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + n;
    iov[first].iov_len -= n;
  }
  return first;
}

}  // namespace

std::optional<UnixSocket> UnixSocket::Connect(const std::string& path,
                                              std::chrono::milliseconds timeout,
                                              int* errno_value) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    *errno_value = ENAMETOOLONG;
    return std::nullopt;
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *errno_value = errno;
    return std::nullopt;
  }
  UnixSocket socket(fd);
  // A Unix connect() only blocks on a full listen backlog, and then for at
  // most the send timeout.
  socket.SetSendTimeout(timeout);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address),
                   sizeof(address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    *errno_value = errno == EINPROGRESS ? ETIMEDOUT : errno;
    return std::nullopt;
  }
  return socket;
}

UnixSocket::UnixSocket(UnixSocket&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

UnixSocket::~UnixSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void UnixSocket::SetSendTimeout(
    std::optional<std::chrono::milliseconds> timeout) {
  const timeval tv = timeout ? ToTimeval(*timeout) : timeval{};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

UnixSocket::SendResult UnixSocket::Send(
    std::span<const std::string_view> pieces) {
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (std::string_view piece : pieces) {
    if (!piece.empty()) {
      iov.push_back({const_cast<char*>(piece.data()), piece.size()});
    }
  }
  SendResult result;
  size_t first = 0;
  while (first < iov.size()) {
    msghdr message{};
    message.msg_iov = iov.data() + first;
    message.msg_iovlen = std::min<size_t>(iov.size() - first, IOV_MAX);
    const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.errno_value = errno;
      return result;
    }
    result.written += static_cast<size_t>(n);
    first = Advance(iov, first, static_cast<size_t>(n));
  }
  return result;
}

long UnixSocket::Receive(char* buffer, size_t size,
                         std::optional<std::chrono::milliseconds> timeout,
                         int* errno_value) {
  pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
  const int wait_ms = timeout ? static_cast<int>(timeout->count()) : -1;
  int ready;
  do {
    ready = ::poll(&pfd, 1, wait_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) {
    *errno_value = ready < 0 ? errno : 0;
    return -1;
  }
  ssize_t n;
  do {
    n = ::read(fd_, buffer, size);
  } while (n < 0 && errno == EINTR);
  if (n < 0) *errno_value = errno;
  return static_cast<long>(n);
}

void UnixSocket::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace kafka_sidecar
