// kafka-sidecar-mock: a standalone librdkafka mock cluster for end-to-end
// tests, the demo and the benchmarks.
//
// Prints "bootstrap: HOST:PORT,..." on stdout, then reads commands from
// stdin, one per line, answering "ok" or "error: ..." on stdout:
//   down BROKER_ID | up BROKER_ID      take a broker down / bring it back
//   rtt BROKER_ID MS                   add round-trip latency
//   topic NAME PARTITIONS [REPLICAS]   create a topic
//   errors API_KEY COUNT ERR_CODE      fail the next COUNT requests of an API
//                                      (e.g. 0 = Produce) with a Kafka error
//   clear API_KEY                      stop failing them
// Exits on stdin EOF, SIGTERM or SIGINT.
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "mock_cluster.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

std::string Execute(rd_kafka_mock_cluster_t* mc, const std::string& line) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  long a = 0, b = 0, c = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (cmd == "down" && in >> a) {
    err = rd_kafka_mock_broker_set_down(mc, static_cast<int32_t>(a));
  } else if (cmd == "up" && in >> a) {
    err = rd_kafka_mock_broker_set_up(mc, static_cast<int32_t>(a));
  } else if (cmd == "rtt" && in >> a >> b) {
    err = rd_kafka_mock_broker_set_rtt(mc, static_cast<int32_t>(a),
                                       static_cast<int>(b));
  } else if (cmd == "topic") {
    std::string name;
    if (!(in >> name >> a))
      return "error: usage: topic NAME PARTITIONS [REPLICAS]";
    if (!(in >> b)) b = 1;
    err = rd_kafka_mock_topic_create(mc, name.c_str(), static_cast<int>(a),
                                     static_cast<int>(b));
  } else if (cmd == "errors" && in >> a >> b >> c) {
    std::vector<rd_kafka_resp_err_t> errs(static_cast<size_t>(b),
                                          static_cast<rd_kafka_resp_err_t>(c));
    rd_kafka_mock_push_request_errors_array(mc, static_cast<int16_t>(a),
                                            errs.size(), errs.data());
  } else if (cmd == "clear" && in >> a) {
    rd_kafka_mock_clear_request_errors(mc, static_cast<int16_t>(a));
  } else {
    return "error: unknown command '" + line + "'";
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string("error: ") + rd_kafka_err2str(err);
  }
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kafka-sidecar-mock: a standalone Kafka mock cluster"};
  int brokers = 3;
  app.add_option("--brokers", brokers, "number of brokers")
      ->check(CLI::Range(1, 16));
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });

  auto cluster = kafka_sidecar::MockCluster::Create(brokers);
  if (!cluster.ok()) {
    std::cerr << cluster.status().message() << "\n";
    return 1;
  }
  std::cout << "bootstrap: " << (*cluster)->bootstrap() << std::endl;
  std::string pending;
  char buf[4096];
  while (!g_stop) {
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
      const std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      if (!line.empty())
        std::cout << Execute((*cluster)->get(), line) << std::endl;
    }
  }
  return 0;
}
