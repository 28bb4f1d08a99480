// Errors the client raises on its own side of the socket. Each says whether
// the record may have reached Kafka, so callers know if a retry is safe.
#ifndef KAFKA_SIDECAR_CLIENT_SRC_LOCAL_ERRORS_H_
#define KAFKA_SIDECAR_CLIENT_SRC_LOCAL_ERRORS_H_

#include <string_view>

#include "kafka_sidecar/result.h"

namespace kafka_sidecar {

// Nothing was sent: connect() failed with `errno_value`.
Error DaemonUnreachable(std::string_view socket_path, int errno_value);
// Nothing was sent: the daemon did not complete the handshake.
Error HandshakeFailed(std::string_view socket_path, std::string_view why);
// The request was never fully written: safe to retry.
Error NotSent(std::string_view socket_path, std::string_view why);
// The request was written, then the connection died: outcome unknown.
Error ConnectionLost(std::string_view socket_path, std::string_view why);
Error RequestTimedOut(std::string_view socket_path);
// The daemon did not take the request off the socket in time (backpressure);
// nothing was sent.
Error SendTimedOut(std::string_view socket_path);
Error ClientClosed();
Error ProtocolError(std::string_view why);
Error FrameTooLarge(size_t frame_bytes, size_t max_frame_bytes);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_CLIENT_SRC_LOCAL_ERRORS_H_
