#include "pending_table.h"

namespace kafka_sidecar {

bool PendingTable::Add(uint64_t id, ResponseHandler& handler,
                       std::optional<Clock::time_point> deadline) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  entries_[id] = Entry{std::move(handler), deadline, false};
  return true;
}

std::optional<ResponseHandler> PendingTable::MarkWritten(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;  // already answered
  if (!closed_) {
    it->second.written = true;
    return std::nullopt;
  }
  ResponseHandler handler = std::move(it->second.handler);
  entries_.erase(it);
  return handler;
}

std::optional<ResponseHandler> PendingTable::Take(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  ResponseHandler handler = std::move(it->second.handler);
  entries_.erase(it);
  return handler;
}

std::vector<ResponseHandler> PendingTable::TakeExpired(Clock::time_point now) {
  std::vector<ResponseHandler> expired;
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& entry = it->second;
    if (entry.written && entry.deadline && *entry.deadline <= now) {
      expired.push_back(std::move(it->second.handler));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

std::vector<ResponseHandler> PendingTable::Close() {
  std::vector<ResponseHandler> lost;
  std::lock_guard lock(mu_);
  closed_ = true;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.written) {
      lost.push_back(std::move(it->second.handler));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return lost;
}

size_t PendingTable::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace kafka_sidecar
