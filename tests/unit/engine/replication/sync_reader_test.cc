#include "engine/replication/sync_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace bazaar::engine::replication {
namespace {

TEST(TakeLineTest, SkipsKeepAliveNewlinesAndWaitsForWholeLines) {
  std::string buf = "\n\n+FULLRESYNC abc 10\r\n$3";
  std::string line;
  ASSERT_TRUE(TakeLine(&buf, &line));
  EXPECT_EQ(line, "+FULLRESYNC abc 10");
  EXPECT_FALSE(TakeLine(&buf, &line));
  EXPECT_EQ(buf, "$3");
}

TEST(SnapshotReaderTest, BulkTransferFedByteByByteLeavesTheStreamAfterIt) {
  const std::string wire = "\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n";
  SnapshotReader reader;
  std::string buf;
  SnapshotReader::Status status = SnapshotReader::Status::kNeedMore;
  size_t i = 0;
  while (status == SnapshotReader::Status::kNeedMore && i < wire.size()) {
    buf.push_back(wire[i++]);
    status = reader.Feed(&buf);
  }
  ASSERT_EQ(status, SnapshotReader::Status::kDone);
  EXPECT_EQ(reader.image(), "REDIS");
  EXPECT_EQ(reader.total_bytes(), 5);
  EXPECT_EQ(buf + wire.substr(i), "*1\r\n$4\r\nPING\r\n");
}

TEST(SnapshotReaderTest, DisklessTransferEndsAtItsMark) {
  const std::string mark(40, 'm');
  std::string buf = "$EOF:" + mark + "\r\nREDIS0010";
  SnapshotReader reader;
  EXPECT_EQ(reader.Feed(&buf), SnapshotReader::Status::kNeedMore);
  buf = "xyz" + mark.substr(0, 10);
  EXPECT_EQ(reader.Feed(&buf), SnapshotReader::Status::kNeedMore);
  buf = mark.substr(10);
  ASSERT_EQ(reader.Feed(&buf), SnapshotReader::Status::kDone);
  EXPECT_EQ(reader.image(), "REDIS0010xyz");
}

TEST(SnapshotReaderTest, ErrorsAndBadHeadersFailWithAReason) {
  SnapshotReader a;
  std::string buf = "-ERR no\r\n";
  EXPECT_EQ(a.Feed(&buf), SnapshotReader::Status::kError);
  EXPECT_NE(a.error().find("ERR no"), std::string::npos);
  SnapshotReader b;
  buf = "+OK\r\n";
  EXPECT_EQ(b.Feed(&buf), SnapshotReader::Status::kError);
  SnapshotReader c;
  buf = "$-3\r\n";
  EXPECT_EQ(c.Feed(&buf), SnapshotReader::Status::kError);
}

}  // namespace
}  // namespace bazaar::engine::replication
