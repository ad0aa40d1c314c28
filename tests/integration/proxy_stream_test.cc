// SPDX-License-Identifier: Apache-2.0
// Streaming: a 1 GiB chunked upload and a 1 GiB chunked download through the real
// binary with curl, while meshgate's RSS is sampled: bodies are streamed with
// back-pressure, never buffered whole.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "testing/ports.h"

#include "tests/integration/proxy_fixture.h"

namespace meshgate::integration {
namespace {

using testing::MeshgateProcess;
using testing::TestUpstream;
using testing::UpstreamReply;

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;
// Generous against the ~1 MiB per-connection watermarks, tiny against 1 GiB.
constexpr long kRssLimitKb = 96 * 1024;

long rssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Samples a process's RSS until destroyed; reports the peak.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid)
      : pid_(pid), thread_([this] {
          while (!stop_) {
            peak_ = std::max(peak_.load(), rssKb(pid_));
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stop_.load(); });
          }
        }) {}
  ~RssSampler() {
    stop_ = true;
    cv_.notify_all();
    thread_.join();
  }
  long peak() const { return peak_; }

 private:
  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

std::string config(uint16_t upstream_port) {
  return baseConfig() + serviceEntry("sink", "sink.local", upstream_port) +
         "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n"
         "  hosts: [\"*\"]\n  http:\n  - route: [{destination: {host: sink.local}}]\n";
}

TEST(Streaming, OneGibChunkedUploadWithBoundedMemory) {
  TestUpstream sink([](const testing::ReceivedRequest& req) {
    UpstreamReply r;
    r.body = std::to_string(req.body_bytes);
    return r;
  });
  sink.setStoreBodies(false);
  MeshgateProcess mg(MG_BINARY, config(sink.port()));
  const uint16_t port = mg.listenerPort("default/main");
  RssSampler rss(mg.process().pid());
  const long idle = rssKb(mg.process().pid());
  auto r = testing::runCommand(
      {"bash", "-c",
       "head -c " + std::to_string(kGiB) +
           " /dev/zero | curl -sS --max-time 240 -T - -H 'Transfer-Encoding: chunked' "
           "-H 'Expect:' http://127.0.0.1:" +
           std::to_string(port) + "/upload"},
      {}, std::chrono::seconds(250));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(kGiB));
  EXPECT_EQ(sink.lastRequest().body_bytes, kGiB);
  EXPECT_EQ(sink.lastRequest().header("Transfer-Encoding"), "chunked");
  EXPECT_LT(rss.peak(), kRssLimitKb) << "idle RSS was " << idle << " kB";
}

TEST(Streaming, OneGibChunkedDownloadWithBoundedMemory) {
  TestUpstream source([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.stream_bytes = kGiB;
    r.chunk_size = 256 * 1024;
    return r;
  });
  MeshgateProcess mg(MG_BINARY, config(source.port()));
  const uint16_t port = mg.listenerPort("default/main");
  RssSampler rss(mg.process().pid());
  auto r = testing::runCommand(
      {"curl", "-sS", "--max-time", "240", "-o", "/dev/null", "-w", "%{size_download}",
       "http://127.0.0.1:" + std::to_string(port) + "/download"},
      {}, std::chrono::seconds(250));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(kGiB));
  EXPECT_LT(rss.peak(), kRssLimitKb);
}

TEST(Streaming, SlowReaderBackPressuresTheUpstream) {
  // 256 MiB offered while the client reads nothing: meshgate must stop reading
  // the upstream instead of buffering the response, then deliver all of it.
  constexpr uint64_t kBody = 256ull * 1024 * 1024;
  TestUpstream source([](const testing::ReceivedRequest&) {
    UpstreamReply r;
    r.stream_bytes = kBody;
    return r;
  });
  MeshgateProcess mg(MG_BINARY, config(source.port()));
  const uint16_t port = mg.listenerPort("default/main");
  testing::HttpConnection c(port);
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    // Observe for half a second while nothing is read.
    RssSampler rss(mg.process().pid());
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    testing::waitUntil([&] { return std::chrono::steady_clock::now() >= until; },
                       std::chrono::seconds(2));
    EXPECT_LT(rss.peak(), kRssLimitKb);
  }
  // Then read everything: nothing was lost while paused.
  uint64_t total = 0;
  char buf[1 << 16];
  bool head_done = false;
  std::string head;
  while (true) {
    ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    if (!head_done) {
      head.append(buf, static_cast<size_t>(n));
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      head_done = true;
      total += head.size() - end - 4;
    } else {
      total += static_cast<uint64_t>(n);
    }
    if (total >= kBody) break;
  }
  EXPECT_EQ(total, kBody);
}

}  // namespace
}  // namespace meshgate::integration
