#include "config_secrets.h"

#include <sys/stat.h>

#include <cstdio>

namespace kafka_sidecar {

std::vector<std::string> SecretKafkaKeys(const Config& config) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : config.kafka) {
    const bool secret = key.find("password") != std::string::npos ||
                        key.find("secret") != std::string::npos ||
                        key == "ssl.key.pem" ||
                        key == "sasl.oauthbearer.config";
    if (secret && !value.empty()) keys.push_back(key);
  }
  return keys;
}

std::string SecretFileWarning(const Config& config) {
  if (config.config_file.empty()) return "";
  const std::vector<std::string> keys = SecretKafkaKeys(config);
  if (keys.empty()) return "";
  struct stat st;
  if (stat(config.config_file.c_str(), &st) != 0) return "";
  if ((st.st_mode & (S_IROTH | S_IWOTH)) == 0) return "";
  std::string list;
  for (const std::string& key : keys) list += (list.empty() ? "" : ", ") + key;
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
  return config.config_file + " holds secrets (" + list + ") but its mode " +
         mode + " lets other users read it; run: chmod 0640 " +
         config.config_file + " (owner root, group kafka-sidecar)";
}

}  // namespace kafka_sidecar
