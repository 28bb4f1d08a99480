#include "reliability_util.h"

#include <fstream>

namespace kafka_sidecar::testing {

void SetAllBrokers(MockCluster& cluster, bool up) {
  for (int32_t id = 1; id <= 3; ++id) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster.get(), id);
    } else {
      rd_kafka_mock_broker_set_down(cluster.get(), id);
    }
  }
}

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

bool PollUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

RssSampler::RssSampler(const DaemonProcess& process)
    : thread_([this, &process] {
        while (!stop_.load()) {
          const long rss = process.RssKiB();
          if (rss > peak_.load()) peak_.store(rss);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }) {}

RssSampler::~RssSampler() {
  stop_.store(true);
  thread_.join();
}

v1::Request MakePing(uint64_t id) {
  v1::Request req;
  req.set_id(id);
  req.mutable_ping();
  return req;
}

}  // namespace kafka_sidecar::testing
