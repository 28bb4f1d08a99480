// Small helpers shared by the reliability tests: fault injection on the mock
// cluster, a config file for a daemon subprocess, an RSS sampler.
#ifndef KAFKA_SIDECAR_TESTS_RELIABILITY_UTIL_H_
#define KAFKA_SIDECAR_TESTS_RELIABILITY_UTIL_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "daemon_process.h"
#include "mock_cluster.h"
#include "sidecar.pb.h"

namespace kafka_sidecar::testing {

// Takes every broker of a 3-broker cluster down, or brings them back.
void SetAllBrokers(MockCluster& cluster, bool up);

// Writes `text` to `path`; returns path.
std::string WriteFile(const std::string& path, const std::string& text);

// Polls `condition` until true or `timeout`; for states no event announces.
bool PollUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout);

// Samples a process's RSS every 20 ms on its own thread; keeps the peak.
class RssSampler {
 public:
  explicit RssSampler(const DaemonProcess& process);
  ~RssSampler();
  long peak_kib() const { return peak_.load(); }

 private:
  std::atomic<long> peak_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Runs a function when the scope ends (unblocks threads on early returns).
class ScopeExit {
 public:
  explicit ScopeExit(std::function<void()> f) : f_(std::move(f)) {}
  ~ScopeExit() { f_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  std::function<void()> f_;
};

// A ping request.
v1::Request MakePing(uint64_t id);

}  // namespace kafka_sidecar::testing

#endif  // KAFKA_SIDECAR_TESTS_RELIABILITY_UTIL_H_
