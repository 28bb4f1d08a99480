// ThreadSanitizer builds only: Debian's librdkafka starts its threads with
// C11 thrd_create(), which glibc implements without going through
// pthread_create(), so TSan never learns about those threads and crashes in
// its allocator on their first malloc. Defining thrd_create() in the
// executable routes librdkafka's calls through the intercepted
// pthread_create(); thrd_join() and thrd_detach() likewise, so TSan also
// sees those threads end.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* Trampoline(void* p) {
  Start start = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.func(start.arg)));
}

}  // namespace

extern "C" int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* start = new (std::nothrow) Start{func, arg};
  if (start == nullptr) return thrd_nomem;
  const int rc = pthread_create(thr, nullptr, &Trampoline, start);
  if (rc == 0) return thrd_success;
  delete start;
  return rc == EAGAIN ? thrd_nomem : thrd_error;
}

extern "C" int thrd_join(thrd_t thr, int* res) {
  void* out = nullptr;
  if (pthread_join(thr, &out) != 0) return thrd_error;
  if (res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(out));
  return thrd_success;
}

extern "C" int thrd_detach(thrd_t thr) {
  return pthread_detach(thr) == 0 ? thrd_success : thrd_error;
}
