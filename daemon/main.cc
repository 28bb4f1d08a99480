// kafka-sidecard: flags, logging, then the Daemon.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "config.h"
#include "daemon.h"

namespace {

bool SetUpLogging(const std::string& level_name) {
  const auto level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") return false;
  auto logger = spdlog::stderr_color_mt("kafka-sidecard");
  spdlog::set_default_logger(logger);
  spdlog::set_level(level);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool exit_now = false;
  auto config = kafka_sidecar::ParseCommandLine(argc, argv, &exit_now);
  if (!config.ok()) {
    std::fprintf(exit_now ? stdout : stderr, "%s\n",
                 config.status().message().c_str());
    return exit_now ? 0 : 2;
  }
  if (!SetUpLogging(config->log_level)) {
    std::fprintf(stderr,
                 "log_level: '%s' is not one of trace, debug, info, "
                 "warn, err, critical, off\n",
                 config->log_level.c_str());
    return 2;
  }
  if (config->dev && config->socket_path == kafka_sidecar::kDefaultSocketPath) {
    config->socket_path = "/tmp/kafka-sidecar-dev.sock";
  }
  auto daemon = kafka_sidecar::Daemon::Create(std::move(config.value()));
  if (!daemon.ok()) {
    spdlog::critical("cannot start: {}", daemon.status().message());
    return 1;
  }
  // Machine-readable readiness lines for scripts and tests.
  if (!(*daemon)->dev_bootstrap().empty()) {
    std::printf("dev cluster: %s\n", (*daemon)->dev_bootstrap().c_str());
  }
  std::printf("serving: %s\n", (*daemon)->config().socket_path.c_str());
  std::fflush(stdout);
  return (*daemon)->Run();
}
