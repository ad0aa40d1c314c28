// SPDX-License-Identifier: Apache-2.0
#include "testing/meshgate_process.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "testing/ports.h"

namespace meshgate::testing {

MeshgateProcess::MeshgateProcess(std::string binary, const std::string& yaml,
                                 MeshgateOptions options) {
  if (options.as_directory) {
    config_path_ = dir_.file("config");
    config_file_ = config_path_ + "/10-main.yaml";
  } else {
    config_path_ = dir_.file("config.yaml");
    config_file_ = config_path_;
  }
  dir_.write(options.as_directory ? "config/10-main.yaml" : "config.yaml", yaml);
  const std::string admin_file = dir_.file("admin-address");
  std::vector<std::string> argv = {binary,
                                   "run",
                                   "-c",
                                   config_path_,
                                   "--concurrency",
                                   std::to_string(options.concurrency),
                                   "--admin-address-path",
                                   admin_file};
  for (const auto& a : options.extra_args)
    argv.push_back(a);
  SubprocessOptions sub;
  sub.env = options.env;
  process_ = std::make_unique<Subprocess>(argv, sub);
  const bool have_admin = waitUntil(
      [&] {
        std::ifstream in(admin_file);
        std::string text;
        std::getline(in, text);
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return !process_->running();
        admin_port_ = static_cast<uint16_t>(std::stoi(text.substr(colon + 1)));
        return true;
      },
      std::chrono::seconds(15));
  if (!have_admin || admin_port_ == 0) {
    if (!options.wait_ready) return;
    throw std::runtime_error("meshgate did not start:\n" + process_->stderrText() +
                             process_->stdoutText());
  }
  if (options.wait_ready && !waitReady()) {
    throw std::runtime_error("meshgate not ready:\n" + process_->stderrText());
  }
}

MeshgateProcess::~MeshgateProcess() {
  if (process_) process_->stop(std::chrono::seconds(10));
}

bool MeshgateProcess::waitReady(std::chrono::milliseconds timeout) {
  return waitUntil(
      [&] {
        auto r = httpGet(admin_port_, "/ready");
        return r && r->status == 200;
      },
      timeout);
}

uint16_t MeshgateProcess::listenerPort(const std::string& name) {
  auto r = admin("/listeners");
  if (!r) return 0;
  // [{"name":"ns/x","configured_address":"...","address":"127.0.0.1:NNNN"}, ...]
  const std::string key = "\"name\":\"" + name + "\"";
  auto at = r->body.find(key);
  if (at == std::string::npos) return 0;
  auto addr = r->body.find("\"address\":\"", at);
  if (addr == std::string::npos) return 0;
  auto end = r->body.find('"', addr + 11);
  std::string text = r->body.substr(addr + 11, end - addr - 11);
  return static_cast<uint16_t>(std::stoi(text.substr(text.rfind(':') + 1)));
}

void MeshgateProcess::writeConfig(const std::string& yaml) {
  const std::string tmp = config_file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << yaml;
  }
  std::rename(tmp.c_str(), config_file_.c_str());
}

std::optional<HttpResponse> MeshgateProcess::admin(const std::string& path) {
  return httpGet(admin_port_, path);
}

double MeshgateProcess::metric(const std::string& series) {
  auto r = admin("/metrics");
  if (!r) return -1;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

}  // namespace meshgate::testing
