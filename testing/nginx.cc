// SPDX-License-Identifier: Apache-2.0
#include "testing/nginx.h"

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "testing/ports.h"

namespace meshgate::testing {

namespace {
std::string nginxBinary() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}
}  // namespace

bool nginxAvailable() {
  return !nginxBinary().empty();
}

NginxServer::NginxServer(const std::string& server_body, const std::string& http_extra) {
  const std::string bin = nginxBinary();
  if (bin.empty()) throw std::runtime_error("nginx is not installed");
  // Retry with a new port if another process grabbed ours between pick and bind.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = pickFreePort();
    std::ostringstream conf;
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
         << "pid " << dir_.file("nginx.pid") << ";\n"
         << "error_log " << dir_.file("error.log") << " warn;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n"
         << "  log_format mg 'conn=$connection $request_method $request_uri $status';\n"
         << "  access_log " << dir_.file("access.log") << " mg;\n"
         << "  client_body_temp_path " << dir_.path() << "/body;\n"
         << "  proxy_temp_path " << dir_.path() << "/proxy;\n"
         << "  fastcgi_temp_path " << dir_.path() << "/fastcgi;\n"
         << "  uwsgi_temp_path " << dir_.path() << "/uwsgi;\n"
         << "  scgi_temp_path " << dir_.path() << "/scgi;\n"
         << "  keepalive_requests 100000;\n"
         << "  keepalive_timeout 120s;\n"
         << "  " << http_extra << "\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
         << server_body << "\n  }\n}\n";
    std::string conf_path = dir_.write("nginx.conf", conf.str());
    process_ = std::make_unique<Subprocess>(std::vector<std::string>{
        bin, "-p", dir_.path(), "-c", conf_path, "-e", dir_.file("error.log")});
    // Bounded wait for the port, cut short if nginx exits (bad config, port taken).
    if (waitUntil(
            [&] {
              return waitForTcpPort(port_, std::chrono::milliseconds(50)) || !process_->running();
            },
            std::chrono::seconds(10)) &&
        process_->running()) {
      return;
    }
    process_->stop(std::chrono::seconds(2));
  }
  throw std::runtime_error("nginx did not start: " + dir_.file("error.log"));
}

NginxServer::~NginxServer() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

std::string NginxServer::accessLog() const {
  std::ifstream in(dir_.file("access.log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t NginxServer::distinctConnections() const {
  std::set<std::string> conns;
  std::istringstream in(accessLog());
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("conn=", 0) == 0) conns.insert(line.substr(0, line.find(' ')));
  }
  return conns.size();
}

}  // namespace meshgate::testing
