// libFuzzer target: the hand-written produce reader against the generated
// parser on every input (one frame payload). Whenever the reader accepts,
// the generated parser must accept too, see a produce request, and agree
// on every field; when the reader declines, the daemon uses the generated
// parser, so there is nothing to compare. Pure: no daemon, no sockets.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "produce_decoder.h"
#include "sidecar.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kafka_sidecar;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  ProduceBatch mine;
  if (DecodeProduceRequest(payload, &mine) != DecodeResult::kProduce) {
    return 0;
  }
  v1::Request req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) {
    std::fprintf(stderr, "the reader accepted what protobuf rejects\n");
    std::abort();
  }
  if (!req.has_produce()) {
    std::fprintf(stderr, "the reader saw a produce request, protobuf not\n");
    std::abort();
  }
  ProduceBatch theirs;
  ViewProduceRequest(req.id(), req.produce(), &theirs);
  if (!SameProduce(mine, theirs)) {
    std::fprintf(stderr, "the reader and protobuf disagree:\n%s\n",
                 req.DebugString().c_str());
    std::abort();
  }
  return 0;
}
