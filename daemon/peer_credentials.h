// Who is on the other end of a Unix socket: SO_PEERCRED (pid, uid, primary
// gid) plus SO_PEERGROUPS (supplementary groups), as the kernel recorded
// them when the peer connected. Value type; any thread.
#ifndef KAFKA_SIDECAR_DAEMON_PEER_CREDENTIALS_H_
#define KAFKA_SIDECAR_DAEMON_PEER_CREDENTIALS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "status.h"

namespace kafka_sidecar {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  std::vector<gid_t> groups;  // supplementary groups; may include gid

  bool InGroup(gid_t g) const;
  // "uid 1000 (alice) gid 1000 pid 4242", for logs and error messages.
  std::string Describe() const;
};

// Reads the credentials of the peer of connected Unix socket `fd`.
Result<PeerCredentials> ReadPeerCredentials(int fd);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_PEER_CREDENTIALS_H_
