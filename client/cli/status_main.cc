// Stand-in `kafka-sidecar` with only the `status` subcommand, built while the
// full CLI (client/cli/main.cc) is not in this tree. The full CLI registers
// the same command from status_command.h.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "status_command.h"

int main(int argc, char** argv) {
  CLI::App app{"kafka-sidecar: client of kafka-sidecard"};
  app.require_subcommand(1);
  kafka_sidecar::cli::StatusOptions options;
  const char* env = std::getenv("KAFKA_SIDECAR_SOCKET");
  options.socket_path = env ? env : "/run/kafka-sidecar/kafka-sidecar.sock";
  double timeout_s = 5;
  CLI::App* status = app.add_subcommand(
      "status", "the daemon's health; exit 0 healthy, 1 unhealthy");
  status->add_option("-s,--socket", options.socket_path, "daemon socket")
      ->capture_default_str();
  status->add_option("--timeout", timeout_s, "seconds to wait for an answer")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.timeout_ms = static_cast<int>(timeout_s * 1000);
  return kafka_sidecar::cli::RunStatus(options, stdout, stderr);
}
