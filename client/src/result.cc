#include "kafka_sidecar/result.h"

namespace kafka_sidecar {

std::string_view PersistenceName(Persistence persistence) {
  switch (persistence) {
    case Persistence::kNotPersisted:
      return "not persisted";
    case Persistence::kPossiblyPersisted:
      return "possibly persisted";
    case Persistence::kPersisted:
      return "persisted";
    case Persistence::kUnspecified:
      break;
  }
  return "persistence unspecified";
}

std::string Error::ToString() const {
  std::string text = name.empty() ? code : name;
  if (code == error_code::kKafka)
    text += " (" + std::to_string(kafka_code) + ")";
  if (!message.empty()) text += ": " + message;
  text += retriable ? " [retriable, " : " [not retriable, ";
  text += PersistenceName(persistence);
  text += "]";
  return text;
}

}  // namespace kafka_sidecar
