// ops-probe SOCKET TOPIC: produces one record and says what became of it.
// The access tests run it as another user (setpriv). Exit status:
// 0 delivered, 3 record NOT_ALLOWED, 4 connection refused by the rules,
// 5 cannot connect, 2 anything else. Prints the error message.
#include <cstdio>

#include "wire_client.h"

using kafka_sidecar::testing::MakeProduce;
using kafka_sidecar::testing::WireClient;
namespace pb = kafka_sidecar::v1;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ops-probe SOCKET TOPIC\n");
    return 2;
  }
  WireClient client(argv[1]);
  if (!client.connected()) {
    std::perror("connect");
    return 5;
  }
  client.Send(MakeProduce(1, argv[2], 1));
  auto response = client.Receive(20000);
  if (!response) {
    std::printf("no response\n");
    return 2;
  }
  if (response->has_error()) {
    std::printf("%s: %s\n", response->error().name().c_str(),
                response->error().message().c_str());
    return response->id() == 0 &&
                   response->error().code() == pb::ERROR_CODE_NOT_ALLOWED
               ? 4
               : 2;
  }
  const pb::RecordResult& r = response->produce().results(0);
  if (r.has_delivered()) {
    std::printf("delivered\n");
    return 0;
  }
  std::printf("%s: %s\n", r.error().name().c_str(),
              r.error().message().c_str());
  return r.error().code() == pb::ERROR_CODE_NOT_ALLOWED ? 3 : 2;
}
