#include "mock_cluster.h"

namespace kafka_sidecar {

Result<std::unique_ptr<MockCluster>> MockCluster::Create(int brokers) {
  std::unique_ptr<MockCluster> mc(new MockCluster());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  // The owning handle talks to no broker; keep it quiet.
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
  mc->owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (mc->owner_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("mock cluster: ") + errstr);
  }
  mc->cluster_ = rd_kafka_mock_cluster_new(mc->owner_, brokers);
  if (mc->cluster_ == nullptr) {
    return Status::Error("mock cluster: cannot start " +
                         std::to_string(brokers) + " brokers");
  }
  return mc;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (owner_ != nullptr) rd_kafka_destroy(owner_);
}

std::string MockCluster::bootstrap() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

}  // namespace kafka_sidecar
