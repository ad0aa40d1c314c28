// SPDX-License-Identifier: Apache-2.0
#include "testing/tls_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "testing/subprocess.h"

namespace meshgate::testing {

namespace {

void openssl(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  SubprocessOptions o;
  o.working_dir = dir.path();
  CommandResult r = runCommand(args, o);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
}

}  // namespace

TestPki TestPki::generate(const TempDir& dir) {
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-nodes"};
  auto req = [&](std::vector<std::string> head) {
    head.insert(head.begin() + 1, ec.begin(), ec.end());
    return head;
  };
  openssl(dir, req({"req", "-x509", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
                    "/CN=meshgate test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign"}));
  dir.write("server.ext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
  dir.write("other.ext",
            "subjectAltName=DNS:other.example\nbasicConstraints=CA:FALSE\n"
            "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
  openssl(dir,
          req({"req", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"}));
  openssl(dir, {"x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"});
  openssl(dir, req({"req", "-keyout", "other.key", "-out", "other.csr", "-subj", "/CN=other"}));
  openssl(dir, {"x509", "-req", "-in", "other.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "other.pem", "-days", "2", "-extfile", "other.ext"});
  openssl(dir,
          req({"req", "-x509", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2", "-subj",
               "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"}));
  TestPki p;
  p.ca_cert = dir.file("ca.pem");
  p.server_cert = dir.file("server.pem");
  p.server_key = dir.file("server.key");
  p.rogue_cert = dir.file("rogue.pem");
  p.rogue_key = dir.file("rogue.key");
  p.other_name_cert = dir.file("other.pem");
  p.other_name_key = dir.file("other.key");
  return p;
}

TlsTestServer::TlsTestServer(const std::string& cert_file, const std::string& key_file,
                             Handler handler)
    : handler_(std::move(handler)) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("TlsTestServer: cannot load " + cert_file);
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("TlsTestServer: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

TlsTestServer::~TlsTestServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

void TlsTestServer::setHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(handler);
}

void TlsTestServer::run() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    serve(fd);
    ::close(fd);
  }
}

void TlsTestServer::serve(int fd) {
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {
    ++failed_handshakes_;
    ERR_clear_error();
    SSL_free(ssl);
    return;
  }
  std::string request;
  char buf[4096];
  // Bounded by the 5 s receive timeout and the size check.
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 64 * 1024) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) break;
    request.append(buf, static_cast<size_t>(n));
  }
  if (request.find("\r\n\r\n") != std::string::npos) {
    const size_t sp1 = request.find(' ');
    const size_t sp2 = request.find(' ', sp1 + 1);
    const std::string target = request.substr(sp1 + 1, sp2 - sp1 - 1);
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reply = handler_ ? handler_(target) : Reply{404, ""};
    }
    ++requests_;
    const std::string response = "HTTP/1.1 " + std::to_string(reply.status) +
                                 " X\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(reply.body.size()) +
                                 "\r\nConnection: close\r\n\r\n" + reply.body;
    SSL_write(ssl, response.data(), static_cast<int>(response.size()));
    SSL_shutdown(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
}

}  // namespace meshgate::testing
