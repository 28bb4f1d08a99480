#include "peer_credentials.h"

#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kafka_sidecar {
namespace {

std::string UserName(uid_t uid) {
  passwd pw;
  passwd* found = nullptr;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) != 0 || !found) return "";
  return pw.pw_name;
}

}  // namespace

bool PeerCredentials::InGroup(gid_t g) const {
  return g == gid || std::find(groups.begin(), groups.end(), g) != groups.end();
}

std::string PeerCredentials::Describe() const {
  std::string name = UserName(uid);
  return "uid " + std::to_string(uid) +
         (name.empty() ? "" : " (" + name + ")") + " gid " +
         std::to_string(gid) + " pid " + std::to_string(pid);
}

Result<PeerCredentials> ReadPeerCredentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Status::Error(std::string("SO_PEERCRED: ") + strerror(errno));
  }
  PeerCredentials out;
  out.pid = cred.pid;
  out.uid = cred.uid;
  out.gid = cred.gid;
  // SO_PEERGROUPS (Linux 4.13): ERANGE tells the size needed.
  std::vector<gid_t> groups(16);
  for (int attempt = 0; attempt < 4; ++attempt) {
    socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
      groups.resize(bytes / sizeof(gid_t));
      out.groups = std::move(groups);
      return out;
    }
    if (errno != ERANGE) break;  // old kernel: primary gid only
    groups.resize(bytes / sizeof(gid_t) + 1);
  }
  return out;
}

}  // namespace kafka_sidecar
