// What the daemon has done, for ping/status and metrics. Loop thread only.
#ifndef KAFKA_SIDECAR_DAEMON_COUNTERS_H_
#define KAFKA_SIDECAR_DAEMON_COUNTERS_H_

#include <cstdint>

namespace kafka_sidecar {

struct Counters {
  uint64_t connections_accepted = 0;
  uint64_t requests_hello = 0;
  uint64_t requests_ping = 0;
  uint64_t requests_produce = 0;
  uint64_t requests_invalid = 0;  // unparsable or malformed requests
  uint64_t frames_too_large = 0;
  uint64_t records_delivered = 0;  // Kafka acknowledged
  uint64_t records_failed = 0;     // any error, at queueing or delivery
  uint64_t records_accepted = 0;   // answered ACCEPTED / NONE
  uint64_t records_unanswered_failures = 0;  // ACCEPTED/NONE that failed later
  uint64_t responses_dropped = 0;            // the connection was gone
  uint64_t queue_full_stalls = 0;
  // Records handed to the producer whose delivery report has not reached
  // the loop yet (every ack mode). rd_kafka_outq_len() is not this: it also
  // counts librdkafka's own requests and events, e.g. statistics.
  uint64_t records_in_producer = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_COUNTERS_H_
