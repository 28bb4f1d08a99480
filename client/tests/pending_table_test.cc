#include "pending_table.h"

#include <gtest/gtest.h>

namespace kafka_sidecar {
namespace {

using Clock = PendingTable::Clock;

// A handler that records how it completed into `*outcome`.
ResponseHandler Recorder(std::string* outcome) {
  return [outcome](Result<const v1::Response*> result) {
    *outcome = result.ok() ? "answered" : result.error().code;
  };
}

TEST(PendingTableTest, TakeRemovesOnce) {
  PendingTable table;
  std::string outcome;
  ResponseHandler handler = Recorder(&outcome);
  ASSERT_TRUE(table.Add(7, handler, std::nullopt));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.Take(7).has_value());
  EXPECT_FALSE(table.Take(7).has_value());
  EXPECT_EQ(table.size(), 0u);
}

TEST(PendingTableTest, CloseTakesOnlyWrittenRequests) {
  PendingTable table;
  std::string a, b;
  ResponseHandler written = Recorder(&a);
  ResponseHandler sending = Recorder(&b);
  ASSERT_TRUE(table.Add(1, written, std::nullopt));
  ASSERT_TRUE(table.Add(2, sending, std::nullopt));
  EXPECT_FALSE(table.MarkWritten(1).has_value());
  EXPECT_EQ(table.Close().size(), 1u);  // request 2 stays with its writer
  EXPECT_TRUE(table.Take(2).has_value());
  ResponseHandler late = Recorder(&a);
  EXPECT_FALSE(table.Add(3, late, std::nullopt));
  EXPECT_TRUE(late);  // refused: the caller still owns it
}

TEST(PendingTableTest, WrittenAfterCloseIsHandedBack) {
  PendingTable table;
  std::string outcome;
  ResponseHandler handler = Recorder(&outcome);
  ASSERT_TRUE(table.Add(1, handler, std::nullopt));
  EXPECT_TRUE(table.Close().empty());
  std::optional<ResponseHandler> orphan = table.MarkWritten(1);
  ASSERT_TRUE(orphan.has_value());  // never stranded
  EXPECT_EQ(table.size(), 0u);
}

TEST(PendingTableTest, ExpiresOnlyWrittenOverdueRequests) {
  PendingTable table;
  std::string outcome;
  const auto now = Clock::now();
  ResponseHandler overdue = Recorder(&outcome);
  ResponseHandler unsent = Recorder(&outcome);
  ResponseHandler early = Recorder(&outcome);
  ResponseHandler forever = Recorder(&outcome);
  ASSERT_TRUE(table.Add(1, overdue, now - std::chrono::seconds(1)));
  ASSERT_TRUE(table.Add(2, unsent, now - std::chrono::seconds(1)));
  ASSERT_TRUE(table.Add(3, early, now + std::chrono::seconds(60)));
  ASSERT_TRUE(table.Add(4, forever, std::nullopt));
  for (uint64_t id : {1, 3, 4}) EXPECT_FALSE(table.MarkWritten(id).has_value());
  EXPECT_EQ(table.TakeExpired(now).size(), 1u);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_FALSE(table.Take(1).has_value());
}

}  // namespace
}  // namespace kafka_sidecar
