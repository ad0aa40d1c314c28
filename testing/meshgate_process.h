// SPDX-License-Identifier: Apache-2.0
// Starts the real meshgate binary on an inline YAML config for integration tests,
// waits for /ready on its admin listener, and exposes the bound ports (configs
// use port 0; the ports are read back from /listeners).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testing/http_client.h"
#include "testing/subprocess.h"
#include "testing/temp_dir.h"

namespace meshgate::testing {

struct MeshgateOptions {
  uint32_t concurrency = 2;
  std::vector<std::string> extra_args;
  /// Put the config in a directory (config/10-main.yaml) instead of one file.
  bool as_directory = false;
  /// Wait for /ready before returning from the constructor.
  bool wait_ready = true;
  /// Extra environment variables for the process (e.g. SSL_CERT_FILE).
  std::map<std::string, std::string> env;
};

class MeshgateProcess {
 public:
  /// `binary` is the meshgate executable (MG_BINARY in integration tests).
  MeshgateProcess(std::string binary, const std::string& yaml, MeshgateOptions options = {});
  ~MeshgateProcess();

  /// Bounded wait for /ready = 200.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  uint16_t adminPort() const { return admin_port_; }
  /// The bound port of the listener called `name` ("namespace/name"); 0 when unknown.
  uint16_t listenerPort(const std::string& name);
  /// The path of the config (file or directory) the process watches.
  const std::string& configPath() const { return config_path_; }
  /// Rewrites the config file (atomically, by rename).
  void writeConfig(const std::string& yaml);
  /// GET on the admin listener.
  std::optional<HttpResponse> admin(const std::string& path);
  /// The value of one Prometheus sample, e.g.
  /// metric("meshgate_config_reloads_total{result=\"success\"}"); -1 when absent.
  double metric(const std::string& series);
  Subprocess& process() { return *process_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string config_path_;
  std::string config_file_;
  std::unique_ptr<Subprocess> process_;
  uint16_t admin_port_ = 0;
};

}  // namespace meshgate::testing
