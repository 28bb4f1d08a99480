#include "kafka_stats.h"

#include <nlohmann/json.hpp>

namespace kafka_sidecar {
namespace {

int64_t Int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

BrokerStats ReadBroker(const std::string& name, const nlohmann::json& b) {
  BrokerStats s;
  s.name = b.value("name", name);
  s.node_id = static_cast<int32_t>(b.value("nodeid", -1));
  s.state = b.value("state", "");
  if (auto rtt = b.find("rtt"); rtt != b.end() && rtt->is_object()) {
    s.rtt_avg_us = Int(*rtt, "avg");
    s.rtt_p99_us = Int(*rtt, "p99");
  }
  s.outbuf_msgs = Int(b, "outbuf_msg_cnt");
  s.waitresp_msgs = Int(b, "waitresp_msg_cnt");
  s.tx = Int(b, "tx");
  s.tx_bytes = Int(b, "txbytes");
  s.tx_errors = Int(b, "txerrs");
  s.tx_retries = Int(b, "txretries");
  s.req_timeouts = Int(b, "req_timeouts");
  s.connects = Int(b, "connects");
  s.disconnects = Int(b, "disconnects");
  return s;
}

}  // namespace

uint32_t KafkaStats::brokers_up() const {
  uint32_t up = 0;
  for (const BrokerStats& b : brokers) up += b.state == "UP";
  return up;
}

std::shared_ptr<const KafkaStats> ParseKafkaStats(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return nullptr;
  auto brokers = doc.find("brokers");
  if (brokers == doc.end() || !brokers->is_object()) return nullptr;
  auto out = std::make_shared<KafkaStats>();
  out->taken = std::chrono::steady_clock::now();
  out->age_us = Int(doc, "age");
  out->queue_msgs = Int(doc, "msg_cnt");
  out->queue_bytes = Int(doc, "msg_size");
  out->queue_max_msgs = Int(doc, "msg_max");
  out->queue_max_bytes = Int(doc, "msg_size_max");
  out->tx = Int(doc, "tx");
  out->tx_bytes = Int(doc, "tx_bytes");
  out->tx_msgs = Int(doc, "txmsgs");
  out->tx_msg_bytes = Int(doc, "txmsg_bytes");
  std::vector<BrokerStats> learned, bootstrap;
  for (const auto& [name, b] : brokers->items()) {
    if (!b.is_object()) continue;
    BrokerStats s = ReadBroker(name, b);
    out->tx_retries += s.tx_retries;
    out->tx_errors += s.tx_errors;
    (s.node_id >= 0 ? learned : bootstrap).push_back(std::move(s));
  }
  out->brokers = learned.empty() ? std::move(bootstrap) : std::move(learned);
  return out;
}

}  // namespace kafka_sidecar
