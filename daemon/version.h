#ifndef KAFKA_SIDECAR_DAEMON_VERSION_H_
#define KAFKA_SIDECAR_DAEMON_VERSION_H_

namespace kafka_sidecar {

inline constexpr char kDaemonVersion[] = "0.1.0";
// Highest wire protocol version this daemon speaks (proto/sidecar.proto).
inline constexpr unsigned kProtocolVersion = 1;

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_VERSION_H_
