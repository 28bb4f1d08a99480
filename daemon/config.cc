#include "config.h"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>

#include "access_rules_config.h"
#include "version.h"

namespace kafka_sidecar {
namespace {

Result<uint32_t> ParseMode(const std::string& text) {
  char* end = nullptr;
  const unsigned long mode = std::strtoul(text.c_str(), &end, 8);
  if (text.empty() || *end != '\0' || mode > 07777) {
    return Status::Error("socket_mode: '" + text +
                         "' is not an octal file mode such as 0660");
  }
  return static_cast<uint32_t>(mode);
}

// Reads an unsigned integer setting that must lie in [1, max].
Status ReadUint(const toml::node& node, const std::string& key, uint32_t* out,
                uint32_t min = 1) {
  const auto value = node.value<int64_t>();
  if (!value || !node.is_integer()) {
    return Status::Error(key + ": expected an integer");
  }
  if (*value < min || *value > std::numeric_limits<uint32_t>::max()) {
    return Status::Error(key + ": " + std::to_string(*value) +
                         " is out of range");
  }
  *out = static_cast<uint32_t>(*value);
  return Status::Ok();
}

Status ReadString(const toml::node& node, const std::string& key,
                  std::string* out) {
  if (!node.is_string()) return Status::Error(key + ": expected a string");
  *out = *node.value<std::string>();
  return Status::Ok();
}

Status ReadKafkaTable(const toml::table& table, Config* config) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    std::string value;
    if (node.is_string()) {
      value = *node.value<std::string>();
    } else if (node.is_integer()) {
      value = std::to_string(*node.value<int64_t>());
    } else if (node.is_floating_point()) {
      value = std::to_string(*node.value<double>());
    } else if (node.is_boolean()) {
      value = *node.value<bool>() ? "true" : "false";
    } else {
      return Status::Error("kafka." + name +
                           ": expected a string, number or boolean");
    }
    SetKafkaProperty(config, name, value);
  }
  return Status::Ok();
}

Status ReadTopLevel(const std::string& key, const toml::node& node, Config* c) {
  using Reader = std::function<Status()>;
  const std::map<std::string, Reader> readers = {
      {"socket", [&] { return ReadString(node, key, &c->socket_path); }},
      {"log_level", [&] { return ReadString(node, key, &c->log_level); }},
      {"metrics_listen",
       [&] { return ReadString(node, key, &c->metrics_listen); }},
      {"socket_mode",
       [&] {
         std::string text;
         if (node.is_integer())
           return Status::Error(
               "socket_mode: write the mode as a string, e.g. \"0660\"");
         if (Status s = ReadString(node, key, &text); !s.ok()) return s;
         auto mode = ParseMode(text);
         if (!mode.ok()) return mode.status();
         c->socket_mode = *mode;
         return Status::Ok();
       }},
      {"max_frame_bytes",
       [&] { return ReadUint(node, key, &c->max_frame_bytes); }},
      {"max_records_per_request",
       [&] { return ReadUint(node, key, &c->max_records_per_request); }},
      {"max_inflight_records_per_connection",
       [&] {
         return ReadUint(node, key, &c->max_inflight_records_per_connection);
       }},
      {"max_inflight_bytes_per_connection",
       [&] {
         return ReadUint(node, key, &c->max_inflight_bytes_per_connection);
       }},
      {"max_pending_output_bytes",
       [&] { return ReadUint(node, key, &c->max_pending_output_bytes); }},
      {"shutdown_timeout_ms",
       [&] { return ReadUint(node, key, &c->shutdown_timeout_ms, 0); }},
  };
  auto it = readers.find(key);
  if (it == readers.end()) return Status::Error(key + ": unknown setting");
  return it->second();
}

}  // namespace

void SetKafkaProperty(Config* config, const std::string& key,
                      const std::string& value) {
  for (auto& [k, v] : config->kafka) {
    if (k == key) {
      v = value;
      return;
    }
  }
  config->kafka.emplace_back(key, value);
}

Status LoadConfigFile(const std::string& path, Config* config) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::Error(path + ":" + std::to_string(where.line) + ":" +
                         std::to_string(where.column) + ": " +
                         std::string(e.description()));
  }
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    Status s = Status::Ok();
    if (name == "kafka") {
      if (!node.is_table())
        return Status::Error(path + ": kafka: expected a table");
      s = ReadKafkaTable(*node.as_table(), config);
    } else if (name == "access") {
      if (!node.is_table())
        return Status::Error(path + ": access: expected a table");
      s = ParseAccessRules(*node.as_table(), &config->access);
    } else {
      s = ReadTopLevel(name, node, config);
    }
    if (!s.ok()) return Status::Error(path + ": " + s.message());
  }
  return Status::Ok();
}

Result<Config> ParseCommandLine(int argc, const char* const* argv,
                                bool* exit_now) {
  *exit_now = false;
  CLI::App app{
      "kafka-sidecard: produce to Kafka from any local process "
      "through a Unix socket"};
  std::string config_file, socket, bootstrap, log_level, mode, metrics;
  std::vector<std::string> props;
  uint32_t shutdown_ms = 0, max_frame = 0;
  int dev_brokers = 0;
  bool dev = false;
  app.set_version_flag("--version", std::string(kDaemonVersion));
  app.add_option("-c,--config", config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  app.add_option("-s,--socket", socket, "Unix socket path to serve");
  app.add_option("--socket-mode", mode,
                 "socket file mode (octal, default 0660)");
  app.add_option("-b,--bootstrap-servers", bootstrap,
                 "Kafka bootstrap servers");
  app.add_option("-X", props, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error, critical or off");
  app.add_flag("--dev", dev, "embed a mock Kafka cluster (for trying it out)");
  app.add_option("--dev-brokers", dev_brokers, "brokers in the --dev cluster")
      ->check(CLI::Range(1, 16));
  app.add_option(
      "--shutdown-timeout-ms", shutdown_ms,
      "on SIGTERM, wait this long for Kafka before failing the rest");
  app.add_option("--max-frame-bytes", max_frame, "largest accepted frame")
      ->check(CLI::Range(1024u, 1u << 30));
  app.add_option("--metrics-listen", metrics,
                 "serve Prometheus metrics on HOST:PORT (PORT alone: "
                 "127.0.0.1:PORT)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *exit_now = true;
    return Status::Error(app.help());
  } catch (const CLI::CallForVersion&) {
    *exit_now = true;
    return Status::Error(std::string(kDaemonVersion));
  } catch (const CLI::ParseError& e) {
    return Status::Error(e.what());
  }

  Config config;
  if (!config_file.empty()) {
    if (Status s = LoadConfigFile(config_file, &config); !s.ok()) return s;
    config.config_file = config_file;
  }
  if (!metrics.empty()) config.metrics_listen = metrics;
  if (!socket.empty()) config.socket_path = socket;
  if (!mode.empty()) {
    auto parsed = ParseMode(mode);
    if (!parsed.ok()) return parsed.status();
    config.socket_mode = *parsed;
  }
  if (!bootstrap.empty())
    SetKafkaProperty(&config, "bootstrap.servers", bootstrap);
  for (const std::string& prop : props) {
    const size_t eq = prop.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error("-X " + prop + ": expected key=value");
    }
    SetKafkaProperty(&config, prop.substr(0, eq), prop.substr(eq + 1));
  }
  if (!log_level.empty()) config.log_level = log_level;
  if (dev) config.dev = true;
  if (dev_brokers > 0) config.dev_brokers = dev_brokers;
  if (shutdown_ms > 0) config.shutdown_timeout_ms = shutdown_ms;
  if (max_frame > 0) config.max_frame_bytes = max_frame;
  return config;
}

}  // namespace kafka_sidecar
