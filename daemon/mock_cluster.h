// An in-process Kafka cluster: librdkafka's mock cluster, a real
// implementation of the broker side of the Kafka protocol on loopback ports,
// with fault injection. Used by --dev, the tests and the benchmarks.
// Create and destroy on one thread; the cluster runs on its own thread.
#ifndef KAFKA_SIDECAR_DAEMON_MOCK_CLUSTER_H_
#define KAFKA_SIDECAR_DAEMON_MOCK_CLUSTER_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>

#include "status.h"

namespace kafka_sidecar {

class MockCluster {
 public:
  static Result<std::unique_ptr<MockCluster>> Create(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:port,..." for bootstrap.servers.
  std::string bootstrap() const;
  rd_kafka_mock_cluster_t* get() { return cluster_; }

 private:
  MockCluster() = default;
  rd_kafka_t* owner_ = nullptr;  // the mock cluster lives inside this handle
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_MOCK_CLUSTER_H_
