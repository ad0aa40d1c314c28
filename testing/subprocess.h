// SPDX-License-Identifier: Apache-2.0
// A child process for tests: argv, optional extra environment, stdout/stderr
// captured to files, its own process group, and always reaped. Every wait has a
// deadline; the destructor kills the whole group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshgate::testing {

struct SubprocessOptions {
  /// Added to (or overriding) the parent's environment.
  std::map<std::string, std::string> env;
  /// When set, the child starts with only these variables (plus `env`).
  bool clear_env = false;
  std::string working_dir;
  /// Bytes written to the child's stdin, which is then closed. Empty: /dev/null.
  std::string stdin_data;
};

class Subprocess {
 public:
  /// Starts argv[0] (looked up in PATH). Throws std::runtime_error if it cannot.
  explicit Subprocess(std::vector<std::string> argv, SubprocessOptions options = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }

  /// Sends `sig` to the child (not its group).
  void signal(int sig);
  /// Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// True while the child has not been reaped and has not exited.
  bool running();
  /// Exit code if it exited normally, 128+signal if killed, nullopt while running.
  std::optional<int> exitCode();

  std::string stdoutText() const;
  std::string stderrText() const;
  /// Waits (bounded) until stdout or stderr contains `needle`.
  bool waitForOutput(const std::string& needle,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  /// Stops the child: SIGTERM to its group, then SIGKILL after `grace`.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_;
  std::string err_path_;
  std::string dir_;
};

/// Runs a command to completion (bounded) and returns {exit code, stdout, stderr}.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult runCommand(std::vector<std::string> argv, SubprocessOptions options = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Host pids of live processes whose command line (arguments joined by spaces) starts
/// with `prefix`. Zombies and exiting processes whose memory is gone have none.
std::vector<pid_t> processesWithCommandLine(const std::string& prefix);

}  // namespace meshgate::testing
