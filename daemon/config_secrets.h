// Warns about configuration files that hold secrets (SASL passwords, TLS
// key passwords or inline keys) yet are readable by other users. Pure
// function plus one stat(2); main thread.
#ifndef KAFKA_SIDECAR_DAEMON_CONFIG_SECRETS_H_
#define KAFKA_SIDECAR_DAEMON_CONFIG_SECRETS_H_

#include <string>
#include <vector>

#include "config.h"

namespace kafka_sidecar {

// The librdkafka properties in `config` that carry secrets.
std::vector<std::string> SecretKafkaKeys(const Config& config);

// A warning to log when `config.config_file` holds secrets and is readable
// by "other" (or is world-writable); empty when all is well.
std::string SecretFileWarning(const Config& config);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_CONFIG_SECRETS_H_
