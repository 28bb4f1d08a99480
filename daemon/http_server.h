// A deliberately small HTTP/1.1 server on the daemon's libuv loop, for the
// Prometheus endpoint. Requests are parsed with Node's http_parser
// (libhttp-parser-dev); one GET per connection, answered and closed.
// Everything is bounded (connections, request size, idle time) so a slow or
// hostile scraper cannot hold resources or stall the loop that serves the
// produce path.
//
// Loop thread only. Close() before the loop's final uv_run.
#ifndef KAFKA_SIDECAR_DAEMON_HTTP_SERVER_H_
#define KAFKA_SIDECAR_DAEMON_HTTP_SERVER_H_

#include <uv.h>

#include <functional>
#include <string>
#include <unordered_set>

#include "status.h"

namespace kafka_sidecar {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  // Called for each complete request: method ("GET"...) and path.
  using Handler = std::function<HttpResponse(const std::string& method,
                                             const std::string& path)>;
  static constexpr size_t kMaxConnections = 64;
  static constexpr size_t kMaxRequestBytes = 16 * 1024;
  static constexpr uint64_t kIdleTimeoutMs = 10000;

  HttpServer(uv_loop_t* loop, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "HOST:PORT", "[V6]:PORT" or "PORT" (127.0.0.1). Port 0 picks one.
  Status Listen(const std::string& address);
  // The bound port (after Listen).
  int port() const { return port_; }
  // Closes the listener and every open connection. Idempotent.
  void Close();

 private:
  struct Conn;
  static void OnConnection(uv_stream_t* listener, int status);
  void OnBytes(Conn* conn, const char* data, size_t len);
  void Finish(Conn* conn, const HttpResponse& response);
  void CloseConn(Conn* conn);

  uv_loop_t* loop_;
  Handler handler_;
  uv_tcp_t listener_;
  bool listening_ = false;
  int port_ = 0;
  std::unordered_set<Conn*> conns_;
};

// Splits "HOST:PORT" / "[V6]:PORT" / "PORT" into host and port.
Status ParseListenAddress(const std::string& address, std::string* host,
                          int* port);

}  // namespace kafka_sidecar

#endif  // KAFKA_SIDECAR_DAEMON_HTTP_SERVER_H_
