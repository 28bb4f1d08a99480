#include "http_server.h"

#include <http_parser.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

namespace kafka_sidecar {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

std::string Serialize(const HttpResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                    Reason(r.status) + "\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    "\r\nConnection: close\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace

// One HTTP connection: a TCP handle and an idle timer, freed when both have
// closed.
struct HttpServer::Conn {
  HttpServer* server;
  uv_tcp_t tcp;
  uv_timer_t timer;
  http_parser parser;
  std::string url;
  size_t bytes = 0;
  bool complete = false;
  bool responded = false;
  int open_handles = 0;
  uv_write_t write;
  std::string out;
};

Status ParseListenAddress(const std::string& address, std::string* host,
                          int* port) {
  std::string port_text = address;
  *host = "127.0.0.1";
  if (!address.empty() && address[0] == '[') {
    const size_t end = address.find("]:");
    if (end == std::string::npos)
      return Status::Error("metrics_listen '" + address +
                           "': expected [V6]:PORT");
    *host = address.substr(1, end - 1);
    port_text = address.substr(end + 2);
  } else if (const size_t colon = address.rfind(':');
             colon != std::string::npos) {
    *host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  char* end = nullptr;
  const long value = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || value < 0 || value > 65535) {
    return Status::Error("metrics_listen '" + address +
                         "': expected HOST:PORT or PORT");
  }
  *port = static_cast<int>(value);
  return Status::Ok();
}

HttpServer::HttpServer(uv_loop_t* loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {
  listener_.data = this;
}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen(const std::string& address) {
  std::string host;
  int port = 0;
  if (Status s = ParseListenAddress(address, &host, &port); !s.ok()) return s;
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr)) !=
          0 &&
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr)) !=
          0) {
    return Status::Error("metrics_listen '" + address +
                         "': host must be a numeric IPv4 or IPv6 address");
  }
  uv_tcp_init(loop_, &listener_);
  listening_ = true;
  Status s = Status::FromUv(
      uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0),
      "metrics: cannot bind " + address);
  if (!s.ok()) return s;
  s = Status::FromUv(uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 64,
                               &HttpServer::OnConnection),
                     "metrics: cannot listen on " + address);
  if (!s.ok()) return s;
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6
                    ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

void HttpServer::Close() {
  if (listening_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    listening_ = false;
  }
  std::vector<Conn*> open(conns_.begin(), conns_.end());
  for (Conn* conn : open) CloseConn(conn);
}

void HttpServer::CloseConn(Conn* conn) {
  if (conns_.erase(conn) == 0) return;  // closing already
  auto on_close = [](uv_handle_t* h) {
    auto* c = static_cast<Conn*>(h->data);
    if (--c->open_handles == 0) delete c;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&conn->timer), on_close);
}

void HttpServer::Finish(Conn* conn, const HttpResponse& response) {
  if (conn->responded) return;
  conn->responded = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&conn->tcp));
  conn->out = Serialize(response);
  uv_buf_t buf =
      uv_buf_init(conn->out.data(), static_cast<unsigned>(conn->out.size()));
  conn->write.data = conn;
  const int rc =
      uv_write(&conn->write, reinterpret_cast<uv_stream_t*>(&conn->tcp), &buf,
               1, [](uv_write_t* w, int) {
                 auto* c = static_cast<Conn*>(w->data);
                 c->server->CloseConn(c);  // no-op if closed
               });
  if (rc != 0) CloseConn(conn);
}

void HttpServer::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<HttpServer*>(listener->data);
  if (status != 0) return;
  auto* conn = new Conn{};
  conn->server = self;
  uv_tcp_init(self->loop_, &conn->tcp);
  uv_timer_init(self->loop_, &conn->timer);
  conn->tcp.data = conn->timer.data = conn;
  conn->open_handles = 2;
  self->conns_.insert(conn);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&conn->tcp)) != 0 ||
      self->conns_.size() > kMaxConnections) {
    self->CloseConn(conn);
    return;
  }
  http_parser_init(&conn->parser, HTTP_REQUEST);
  conn->parser.data = conn;
  uv_timer_start(
      &conn->timer,
      [](uv_timer_t* t) {
        auto* c = static_cast<Conn*>(t->data);
        c->server->CloseConn(c);
      },
      kIdleTimeoutMs, 0);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&conn->tcp),
      [](uv_handle_t*, size_t, uv_buf_t* buf) {
        static char chunk[4096];  // loop thread only; consumed at once
        *buf = uv_buf_init(chunk, sizeof(chunk));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* c = static_cast<Conn*>(s->data);
        if (nread < 0) {
          c->server->CloseConn(c);
          return;
        }
        c->server->OnBytes(c, buf->base, static_cast<size_t>(nread));
      });
}

void HttpServer::OnBytes(Conn* conn, const char* data, size_t len) {
  conn->bytes += len;
  if (conn->bytes > kMaxRequestBytes) {
    Finish(conn, {413, "text/plain; charset=utf-8", "request too large\n"});
    return;
  }
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = [](http_parser* p, const char* at, size_t n) {
      static_cast<Conn*>(p->data)->url.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      static_cast<Conn*>(p->data)->complete = true;
      http_parser_pause(p, 1);  // one request per connection
      return 0;
    };
    return s;
  }();
  http_parser_execute(&conn->parser, &settings, data, len);
  const http_errno err = HTTP_PARSER_ERRNO(&conn->parser);
  if (err != HPE_OK && err != HPE_PAUSED) {
    Finish(conn,
           {400, "text/plain; charset=utf-8",
            std::string("bad request: ") + http_errno_description(err) + "\n"});
    return;
  }
  if (!conn->complete) return;
  const std::string method =
      http_method_str(static_cast<http_method>(conn->parser.method));
  std::string path = conn->url.substr(0, conn->url.find('?'));
  Finish(conn, handler_(method, path));
}

}  // namespace kafka_sidecar
