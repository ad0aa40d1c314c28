// SPDX-License-Identifier: Apache-2.0
#include "testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/file.h"
#include "testing/ports.h"

extern char** environ;

namespace meshgate::testing {

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv, SubprocessOptions options) {
  if (argv.empty()) throw std::runtime_error("Subprocess: empty argv");
  std::string tmpl = "/tmp/meshgate-proc-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  out_path_ = dir_ + "/stdout";
  err_path_ = dir_ + "/stderr";
  std::string in_path;
  if (!options.stdin_data.empty()) {
    in_path = dir_ + "/stdin";
    std::ofstream(in_path, std::ios::binary) << options.stdin_data;
  }

  // Build everything the child needs before fork: after fork only async-signal-safe
  // calls are allowed (the test process may have threads).
  std::vector<std::string> env_strings;
  if (!options.clear_env) {
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      auto eq = entry.find('=');
      if (eq != std::string::npos && options.env.count(entry.substr(0, eq))) continue;
      env_strings.push_back(entry);
    }
  }
  for (const auto& [k, v] : options.env)
    env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);

  int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int in_fd = ::open(in_path.empty() ? "/dev/null" : in_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) throw std::runtime_error("Subprocess: open failed");

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) _exit(126);
    // Restore default signal state: gtest death tests and others may change it.
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    ::execvpe(args[0], args.data(), envp.data());
    const char msg[] = "Subprocess: exec failed\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
  }
  ::setpgid(pid_, pid_);  // Also in the parent, to close the race with kill(-pid).
  ::close(out_fd);
  ::close(err_fd);
  ::close(in_fd);
}

Subprocess::~Subprocess() {
  if (!status_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  } else {
    ::kill(-pid_, SIGKILL);  // Reap grandchildren left in the group.
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Subprocess::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> Subprocess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  waitUntil(
      [&] {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) status_ = st;
        return status_.has_value();
      },
      timeout);
  return status_;
}

bool Subprocess::running() {
  if (status_) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
  return !status_;
}

std::optional<int> Subprocess::exitCode() {
  if (running()) return std::nullopt;
  if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
  if (WIFSIGNALED(*status_)) return 128 + WTERMSIG(*status_);
  return std::nullopt;
}

std::string Subprocess::stdoutText() const {
  return slurp(out_path_);
}
std::string Subprocess::stderrText() const {
  return slurp(err_path_);
}

bool Subprocess::waitForOutput(const std::string& needle, std::chrono::milliseconds timeout) const {
  return waitUntil(
      [&] {
        return stdoutText().find(needle) != std::string::npos ||
               stderrText().find(needle) != std::string::npos;
      },
      timeout);
}

void Subprocess::stop(std::chrono::milliseconds grace) {
  if (status_) return;
  ::kill(-pid_, SIGTERM);
  if (!wait(grace)) {
    ::kill(-pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

CommandResult runCommand(std::vector<std::string> argv, SubprocessOptions options,
                         std::chrono::milliseconds timeout) {
  Subprocess p(std::move(argv), std::move(options));
  CommandResult r;
  if (!p.wait(timeout)) {
    p.stop(std::chrono::seconds(1));
    r.exit_code = -1;
  } else {
    r.exit_code = p.exitCode().value_or(-1);
  }
  r.out = p.stdoutText();
  r.err = p.stderrText();
  return r;
}

std::vector<pid_t> processesWithCommandLine(const std::string& prefix) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto cmdline = base::readFile(entry.path().string() + "/cmdline");
    if (!cmdline.ok()) continue;
    std::string text = cmdline.value();
    std::replace(text.begin(), text.end(), '\0', ' ');
    if (text.rfind(prefix, 0) == 0) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace meshgate::testing
