#include "frame_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kafka_sidecar {
namespace {

std::vector<std::string> DrainFrames(FrameDecoder& d,
                                     FrameDecoder::Result* last) {
  std::vector<std::string> frames;
  std::string_view payload;
  while ((*last = d.Next(&payload)) == FrameDecoder::Result::kFrame) {
    frames.emplace_back(payload);
  }
  return frames;
}

std::string Stream(const std::vector<std::string>& payloads) {
  std::string out;
  for (const auto& p : payloads) AppendFrame(p, &out);
  return out;
}

TEST(FrameCodecTest, HeaderIsBigEndianLength) {
  std::string out;
  AppendFrame("abc", &out);
  ASSERT_EQ(out.size(), 7u);
  EXPECT_EQ(out.substr(0, 4), std::string("\0\0\0\3", 4));
  EXPECT_EQ(out.substr(4), "abc");
  std::string big;
  AppendFrameHeader(0x01020304, &big);
  EXPECT_EQ(big, "\x01\x02\x03\x04");
  EXPECT_EQ(DecodeFrameLength(big.data()), 0x01020304u);
}

TEST(FrameCodecTest, DecodesEveryFrameWhateverTheSplit) {
  const std::vector<std::string> payloads = {"hello", "", std::string(300, 'x'),
                                             std::string("\0\1\2", 3), "end"};
  const std::string stream = Stream(payloads);
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder d(1024);
    FrameDecoder::Result last;
    d.Feed(std::string_view(stream).substr(0, split));
    auto frames = DrainFrames(d, &last);
    d.Feed(std::string_view(stream).substr(split));
    auto rest = DrainFrames(d, &last);
    frames.insert(frames.end(), rest.begin(), rest.end());
    EXPECT_EQ(frames, payloads) << "split at " << split;
    EXPECT_EQ(last, FrameDecoder::Result::kNeedMore);
    EXPECT_EQ(d.buffered(), 0u);
  }
}

TEST(FrameCodecTest, DecodesByteByByte) {
  const std::vector<std::string> payloads = {"a", "bc", "", "defg"};
  const std::string stream = Stream(payloads);
  FrameDecoder d(16);
  std::vector<std::string> frames;
  FrameDecoder::Result last;
  for (char c : stream) {
    d.Feed(std::string_view(&c, 1));
    auto got = DrainFrames(d, &last);
    frames.insert(frames.end(), got.begin(), got.end());
  }
  EXPECT_EQ(frames, payloads);
}

TEST(FrameCodecTest, ZeroLengthFrameIsAFrame) {
  FrameDecoder d(16);
  d.Feed(std::string("\0\0\0\0", 4));
  std::string_view payload = "unchanged";
  ASSERT_EQ(d.Next(&payload), FrameDecoder::Result::kFrame);
  EXPECT_TRUE(payload.empty());
}

TEST(FrameCodecTest, OversizeIsRejectedBeforeThePayloadArrives) {
  FrameDecoder d(100);
  std::string header;
  AppendFrameHeader(101, &header);
  d.Feed(header);  // only the header: nothing is allocated for 101 bytes
  std::string_view payload;
  uint32_t announced = 0;
  EXPECT_EQ(d.Next(&payload, &announced), FrameDecoder::Result::kTooLarge);
  EXPECT_EQ(announced, 101u);
  // Sticky: the stream cannot be resynchronised.
  d.Feed("more");
  EXPECT_EQ(d.Next(&payload, &announced), FrameDecoder::Result::kTooLarge);
}

TEST(FrameCodecTest, FourGibLengthIsTooLarge) {
  FrameDecoder d(1 << 20);
  d.Feed("\xff\xff\xff\xff");
  std::string_view payload;
  uint32_t announced = 0;
  EXPECT_EQ(d.Next(&payload, &announced), FrameDecoder::Result::kTooLarge);
  EXPECT_EQ(announced, 0xffffffffu);
}

TEST(FrameCodecTest, ExactlyMaxIsAccepted) {
  FrameDecoder d(5);
  std::string s;
  AppendFrame("12345", &s);
  d.Feed(s);
  std::string_view payload;
  ASSERT_EQ(d.Next(&payload), FrameDecoder::Result::kFrame);
  EXPECT_EQ(payload, "12345");
}

TEST(FrameCodecTest, TruncatedFrameWaitsForMore) {
  std::string s;
  AppendFrame("truncated", &s);
  for (size_t cut = 0; cut < s.size(); ++cut) {
    FrameDecoder d(64);
    d.Feed(std::string_view(s).substr(0, cut));
    std::string_view payload;
    EXPECT_EQ(d.Next(&payload), FrameDecoder::Result::kNeedMore);
    EXPECT_EQ(d.buffered(), cut);
  }
}

TEST(FrameCodecTest, CorruptedLengthShiftsFramingButNeverOverreads) {
  std::string s = Stream({"abcdef", "ghij"});
  s[3] = 2;  // first frame now claims 2 bytes
  FrameDecoder d(1 << 16);
  d.Feed(s);
  std::string_view payload;
  ASSERT_EQ(d.Next(&payload), FrameDecoder::Result::kFrame);
  EXPECT_EQ(payload, "ab");
  // "cdef" + the next header read as a length: 0x63646566 > limit.
  EXPECT_EQ(d.Next(&payload), FrameDecoder::Result::kTooLarge);
}

}  // namespace
}  // namespace kafka_sidecar
