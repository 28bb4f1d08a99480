// Bounds the requests a sender keeps in flight, so memory stays bounded
// however fast stdin is: Acquire() blocks the sending thread once `limit`
// requests are out; completions (on the client's reader thread) Release().
#ifndef KAFKA_SIDECAR_CLIENT_CLI_REQUEST_WINDOW_H_
#define KAFKA_SIDECAR_CLIENT_CLI_REQUEST_WINDOW_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace kafka_sidecar::cli {

class RequestWindow {
 public:
  explicit RequestWindow(size_t limit) : limit_(limit > 0 ? limit : 1) {}
  RequestWindow(const RequestWindow&) = delete;
  RequestWindow& operator=(const RequestWindow&) = delete;

  void Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_use_ < limit_; });
    ++in_use_;
  }

  void Release() {
    std::lock_guard lock(mu_);
    --in_use_;
    cv_.notify_all();
  }

  void WaitEmpty() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_use_ == 0; });
  }

 private:
  const size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_use_ = 0;
};

}  // namespace kafka_sidecar::cli

#endif  // KAFKA_SIDECAR_CLIENT_CLI_REQUEST_WINDOW_H_
