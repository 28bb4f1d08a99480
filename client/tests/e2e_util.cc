#include "e2e_util.h"

#include <chrono>
#include <cstdio>

namespace kafka_sidecar::testing {

ClientOptions TestClientOptions(const std::string& socket_path) {
  ClientOptions options;
  options.socket_path = socket_path;
  options.request_timeout = std::chrono::seconds(30);
  options.close_timeout = std::chrono::seconds(5);
  return options;
}

std::vector<std::string> ReadBack(const std::string& bootstrap,
                                  const std::string& topic) {
  const std::string command = "timeout 20 kcat -C -q -e -b " + bootstrap +
                              " -t " + topic +
                              " -f '%k|%S|%s|%h\\n' -Z 2>/dev/null";
  std::vector<std::string> lines;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  char line[4096];
  while (pipe != nullptr && std::fgets(line, sizeof(line), pipe) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    lines.push_back(text);
  }
  if (pipe != nullptr) ::pclose(pipe);
  return lines;
}

DaemonProcess* SharedDaemonTest::daemon_ = nullptr;

void SharedDaemonTest::StartDaemon(std::vector<std::string> extra_args) {
  daemon_ = new DaemonProcess("", std::move(extra_args));
}

void SharedDaemonTest::TearDownTestSuite() {
  delete daemon_;
  daemon_ = nullptr;
}

void SharedDaemonTest::SetUp() {
  ASSERT_TRUE(daemon_ != nullptr && daemon_->ok()) << "daemon did not start";
}

}  // namespace kafka_sidecar::testing
