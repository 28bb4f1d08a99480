// kafka-sidecar: command-line client of kafka-sidecard. Parses arguments and
// hands over to the command functions, which tests link directly.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "kafka_sidecar/client.h"
#include "line_reader.h"
#include "ping_command.h"
#include "produce_command.h"
#include "status_command.h"

namespace {

using kafka_sidecar::AckMode;
using kafka_sidecar::cli::ProduceOptions;

void AddSocketOption(CLI::App& command, std::string* socket_path) {
  command
      .add_option("-s,--socket", *socket_path,
                  "daemon socket (default: $KAFKA_SIDECAR_SOCKET, else "
                  "/run/kafka-sidecar/kafka-sidecar.sock)")
      ->capture_default_str();
}

struct ProduceArgs {
  ProduceOptions options;
  std::string key;
  CLI::Option* key_option = nullptr;  // set even when KEY is ""
  int32_t partition = -1;
  std::vector<std::string> headers;
  std::string ack = "delivered";
  double connect_timeout_s = 5;
  double timeout_s = 330;
};

CLI::App* AddProduce(CLI::App& app, ProduceArgs* args) {
  ProduceOptions& o = args->options;
  CLI::App* produce = app.add_subcommand(
      "produce", "produce one message per stdin line (like kcat -P)");
  AddSocketOption(*produce, &o.client.socket_path);
  produce->add_option("-t,--topic", o.topic, "topic")->required();
  args->key_option =
      produce->add_option("-k,--key", args->key, "key of every message");
  produce->add_option("-p,--partition", args->partition,
                      "partition (default: the partitioner picks)");
  produce->add_option("-H,--header", args->headers,
                      "header name=value (repeatable; 'name' alone: null)");
  produce->add_option("--ack", args->ack, "when a message counts as done")
      ->check(CLI::IsMember({"delivered", "accepted", "none"}))
      ->capture_default_str();
  produce->add_option("--batch", o.batch_records, "lines per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  produce->add_option("--window", o.window, "requests in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  produce
      ->add_option("--connect-timeout", args->connect_timeout_s,
                   "seconds to wait for the daemon")
      ->capture_default_str();
  produce->add_flag("--fail-fast", o.client.fail_fast,
                    "when the daemon's producer queue is full, fail the "
                    "messages that do not fit (QUEUE_FULL, retriable) instead "
                    "of waiting for space");
  produce->add_flag("--print-acks", o.print_acks,
                    "print each record's partition, offset and timestamp");
  produce
      ->add_option("--timeout", args->timeout_s,
                   "seconds to wait for each request's answer before "
                   "reporting TIMEOUT (outcome unknown)")
      ->capture_default_str();
  return produce;
}

int RunProduce(ProduceArgs& args) {
  ProduceOptions& o = args.options;
  o.ack = args.ack == "none"       ? AckMode::kNone
          : args.ack == "accepted" ? AckMode::kAccepted
                                   : AckMode::kDelivered;
  if (args.key_option->count() > 0) o.key = args.key;
  if (args.partition >= 0) o.partition = args.partition;
  for (const std::string& header : args.headers) {
    o.headers.push_back(kafka_sidecar::cli::ParseHeader(header));
  }
  o.client.connect_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(args.connect_timeout_s * 1000));
  o.client.request_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));
  o.client.client_name = "kafka-sidecar produce";
  auto input = kafka_sidecar::cli::LineReader::ForFd(STDIN_FILENO);
  return kafka_sidecar::cli::RunProduce(o, input, stdout, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kafka-sidecar: produce to Kafka through kafka-sidecard"};
  app.require_subcommand(1);
  ProduceArgs produce_args;
  CLI::App* produce = AddProduce(app, &produce_args);
  kafka_sidecar::ClientOptions ping_options;
  ping_options.client_name = "kafka-sidecar ping";
  CLI::App* ping =
      app.add_subcommand("ping", "show the daemon's health and Kafka's");
  AddSocketOption(*ping, &ping_options.socket_path);
  kafka_sidecar::cli::StatusOptions status_options;
  status_options.socket_path = kafka_sidecar::DefaultSocketPath();
  double status_timeout_s = 5;
  CLI::App* status = app.add_subcommand(
      "status",
      "the daemon's health report; exit 0 healthy, 1 unhealthy (for health "
      "checks)");
  AddSocketOption(*status, &status_options.socket_path);
  status->add_option("--timeout", status_timeout_s, "seconds to wait")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (produce->parsed()) return RunProduce(produce_args);
  if (ping->parsed()) {
    return kafka_sidecar::cli::RunPing(ping_options, stdout, stderr);
  }
  if (status->parsed()) {
    status_options.timeout_ms = static_cast<int>(status_timeout_s * 1000);
    return kafka_sidecar::cli::RunStatus(status_options, stdout, stderr);
  }
  return 2;
}
