#include "e2e_util.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

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

CliRun RunCli(const std::string& args, const std::vector<std::string>& lines) {
  CliRun run;
  char dir[] = "/tmp/ks-cli-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return run;
  const std::string input_path = std::string(dir) + "/input";
  const std::string errors_path = std::string(dir) + "/stderr";
  {
    std::ofstream input(input_path);
    for (const std::string& line : lines) input << line << '\n';
  }
  // Through a pipe, as a user feeds it.
  const std::string command =
      "cat " + input_path + " | " KS_CLI_PATH " " + args + " 2>" + errors_path;
  const int status = std::system(command.c_str());
  run.exited = WIFEXITED(status);
  if (run.exited) run.exit_code = WEXITSTATUS(status);
  std::ostringstream errors;
  errors << std::ifstream(errors_path).rdbuf();
  run.errors = errors.str();
  std::system(("rm -rf " + std::string(dir)).c_str());
  return run;
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
