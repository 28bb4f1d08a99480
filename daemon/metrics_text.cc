#include "metrics_text.h"

#include <cstdio>

#include "version.h"

namespace kafka_sidecar {
namespace {

// Appends "# HELP" / "# TYPE" headers and samples of one metric family.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(*out) {}
  void Family(const char* name, const char* type, const char* help) {
    out_ += "# HELP kafka_sidecar_";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE kafka_sidecar_";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void Sample(const char* name, const std::string& labels, double value) {
    char number[64];
    std::snprintf(number, sizeof(number), "%.17g", value);
    out_ += "kafka_sidecar_";
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += number;
    out_ += '\n';
  }
  void One(const char* name, const char* type, const char* help, double value) {
    Family(name, type, help);
    Sample(name, "", value);
  }

 private:
  std::string& out_;
};

std::string Label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + EscapeLabel(value) + "\"";
}

void RenderDaemon(const MetricsView& v, Writer& w) {
  const Counters& c = *v.counters;
  w.Family("info", "gauge", "Daemon version.");
  w.Sample("info", Label("version", kDaemonVersion), 1);
  w.One("uptime_seconds", "gauge", "Seconds since the daemon started.",
        v.uptime_seconds);
  w.One("shutting_down", "gauge", "1 while a graceful shutdown runs.",
        v.shutting_down ? 1 : 0);
  w.One("connections", "gauge", "Open client connections.",
        static_cast<double>(v.connections));
  w.One("connections_accepted_total", "counter", "Client connections accepted.",
        static_cast<double>(c.connections_accepted));
  w.One("connections_denied_total", "counter",
        "Connections refused by access.connect_users/connect_groups.",
        static_cast<double>(v.ops->connections_denied));
  w.Family("requests_total", "counter", "Requests received, by kind.");
  const std::pair<const char*, uint64_t> kinds[] = {
      {"hello", c.requests_hello},
      {"ping", c.requests_ping},
      {"status", v.ops->requests_status},
      {"produce", c.requests_produce},
      {"invalid", c.requests_invalid},
      {"frame_too_large", c.frames_too_large}};
  for (const auto& [kind, n] : kinds) {
    w.Sample("requests_total", Label("kind", kind), static_cast<double>(n));
  }
  w.One("bytes_received_total", "counter",
        "Request bytes read, frame headers included.",
        static_cast<double>(c.bytes_in));
  w.One("bytes_sent_total", "counter",
        "Response bytes written, frame headers included.",
        static_cast<double>(c.bytes_out));
  w.One("pending_requests", "gauge",
        "Produce requests waiting for Kafka or for queue space.",
        static_cast<double>(v.pending_requests));
  w.One("inflight_records", "gauge",
        "DELIVERED records sent to Kafka that clients still wait for.",
        static_cast<double>(v.inflight_records));
  w.One("queue_full_stalls_total", "counter",
        "Times a connection stalled on a full producer queue.",
        static_cast<double>(c.queue_full_stalls));
  w.Family("config_reloads_total", "counter", "SIGHUP reloads, by result.");
  w.Sample("config_reloads_total", Label("result", "ok"),
           static_cast<double>(v.ops->reloads));
  w.Sample("config_reloads_total", Label("result", "error"),
           static_cast<double>(v.ops->reload_failures));
  w.One("responses_dropped_total", "counter",
        "Responses dropped because their connection had closed.",
        static_cast<double>(c.responses_dropped));
}

void RenderRecords(const MetricsView& v, Writer& w) {
  const OpsMetrics& m = *v.ops;
  w.Family("records_total", "counter",
           "Records answered, by outcome and ack mode.");
  for (int o = 0; o < static_cast<int>(RecordOutcome::kCount); ++o) {
    for (int a = 0; a < kAckModes; ++a) {
      w.Sample("records_total",
               Label("outcome", OutcomeLabel(static_cast<RecordOutcome>(o))) +
                   "," + Label("ack", AckModeLabel(a)),
               static_cast<double>(m.records[o][a]));
    }
  }
  w.Family("produce_requests_total", "counter",
           "Produce requests completed, by result (error: a record failed) "
           "and ack mode.");
  for (int r = 0; r < 2; ++r) {
    for (int a = 0; a < kAckModes; ++a) {
      w.Sample("produce_requests_total",
               Label("result", r == 0 ? "ok" : "error") + "," +
                   Label("ack", AckModeLabel(a)),
               static_cast<double>(m.produce_requests[r][a]));
    }
  }
  w.One("records_failed_after_accept_total", "counter",
        "ACCEPTED/NONE records that Kafka later failed (nobody was told).",
        static_cast<double>(v.counters->records_unanswered_failures));
  w.Family("delivery_errors_total", "counter",
           "Delivery reports with an error, by Kafka error name.");
  for (const auto& [name, n] : m.delivery_errors) {
    w.Sample("delivery_errors_total", Label("error", name),
             static_cast<double>(n));
  }
  w.Family("denials_total", "counter",
           "Records refused by the access rules, by deciding rule.");
  for (const auto& [rule, n] : m.record_denials) {
    w.Sample("denials_total", Label("rule", rule), static_cast<double>(n));
  }
}

void RenderLatency(const MetricsView& v, Writer& w) {
  w.Family("ack_latency_seconds", "histogram",
           "From a produce request's arrival to its answer, by ack mode.");
  for (int a = 0; a < kAckModes; ++a) {
    if (a == v1::ACK_MODE_NONE) continue;
    const LatencyHistogram& h = v.ops->ack_latency[a];
    const std::string ack = Label("ack", AckModeLabel(a));
    for (size_t i = 0; i <= LatencyHistogram::kBounds.size(); ++i) {
      char le[32];
      if (i < LatencyHistogram::kBounds.size()) {
        std::snprintf(le, sizeof(le), "%g", LatencyHistogram::kBounds[i]);
      } else {
        std::snprintf(le, sizeof(le), "+Inf");
      }
      w.Sample("ack_latency_seconds_bucket", ack + "," + Label("le", le),
               static_cast<double>(h.CumulativeCount(i)));
    }
    w.Sample("ack_latency_seconds_sum", ack, h.sum());
    w.Sample("ack_latency_seconds_count", ack, static_cast<double>(h.count()));
  }
}

void RenderKafka(const MetricsView& v, Writer& w) {
  w.One("producer_outq_length", "gauge",
        "rd_kafka_outq_len: records and protocol requests in the producer "
        "(live).",
        static_cast<double>(v.producer_queue));
  w.One("kafka_brokers_up", "gauge", "Brokers whose connection is UP.",
        v.brokers_up);
  w.One("kafka_brokers", "gauge", "Brokers known.", v.brokers_total);
  if (!v.kafka) return;
  const KafkaStats& k = *v.kafka;
  w.One("producer_queue_messages", "gauge",
        "Records in the producer queues (statistics).",
        static_cast<double>(k.queue_msgs));
  w.One("producer_queue_bytes", "gauge",
        "Bytes of records in the producer queues (statistics).",
        static_cast<double>(k.queue_bytes));
  w.One("producer_queue_max_messages", "gauge",
        "Producer queue capacity in records.",
        static_cast<double>(k.queue_max_msgs));
  w.One("producer_queue_max_bytes", "gauge",
        "Producer queue capacity in bytes.",
        static_cast<double>(k.queue_max_bytes));
  w.One("kafka_tx_requests_total", "counter", "Requests sent to brokers.",
        static_cast<double>(k.tx));
  w.One("kafka_tx_bytes_total", "counter", "Bytes sent to brokers.",
        static_cast<double>(k.tx_bytes));
  w.One("kafka_tx_messages_total", "counter", "Records sent to brokers.",
        static_cast<double>(k.tx_msgs));
  w.One("kafka_tx_retries_total", "counter", "Request retries, all brokers.",
        static_cast<double>(k.tx_retries));
  w.One("kafka_tx_errors_total", "counter", "Transmission errors, all brokers.",
        static_cast<double>(k.tx_errors));
  w.Family("kafka_broker_up", "gauge",
           "1 when the broker connection is UP; the state label says more.");
  for (const BrokerStats& b : k.brokers) {
    w.Sample("kafka_broker_up",
             Label("broker", b.name) + "," +
                 Label("node_id", std::to_string(b.node_id)) + "," +
                 Label("state", b.state),
             b.state == "UP" ? 1 : 0);
  }
  const std::pair<const char*, int64_t BrokerStats::*> per_broker[] = {
      {"kafka_broker_rtt_avg_seconds", &BrokerStats::rtt_avg_us},
      {"kafka_broker_rtt_p99_seconds", &BrokerStats::rtt_p99_us}};
  for (const auto& [name, field] : per_broker) {
    w.Family(name, "gauge", "Broker round-trip time (statistics window).");
    for (const BrokerStats& b : k.brokers) {
      w.Sample(name, Label("broker", b.name), (b.*field) / 1e6);
    }
  }
  const std::tuple<const char*, const char*, const char*,
                   int64_t BrokerStats::*>
      counters[] = {
          {"kafka_broker_tx_retries_total", "counter", "Request retries.",
           &BrokerStats::tx_retries},
          {"kafka_broker_req_timeouts_total", "counter", "Request timeouts.",
           &BrokerStats::req_timeouts},
          {"kafka_broker_disconnects_total", "counter", "Disconnects.",
           &BrokerStats::disconnects},
          {"kafka_broker_outbuf_messages", "gauge",
           "Records waiting to be sent.", &BrokerStats::outbuf_msgs},
          {"kafka_broker_waitresp_messages", "gauge",
           "Records sent, awaiting a response.", &BrokerStats::waitresp_msgs}};
  for (const auto& [name, type, help, field] : counters) {
    w.Family(name, type, help);
    for (const BrokerStats& b : k.brokers) {
      w.Sample(name, Label("broker", b.name), static_cast<double>(b.*field));
    }
  }
}

}  // namespace

std::string EscapeLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderPrometheus(const MetricsView& view) {
  std::string out;
  out.reserve(16 * 1024);
  Writer w(&out);
  RenderDaemon(view, w);
  RenderRecords(view, w);
  RenderLatency(view, w);
  RenderKafka(view, w);
  return out;
}

}  // namespace kafka_sidecar
