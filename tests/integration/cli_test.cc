// SPDX-License-Identifier: Apache-2.0
// The CLI surface: help, version, unknown commands.
#include <gtest/gtest.h>

#include "testing/subprocess.h"

namespace meshgate {
namespace {

using testing::runCommand;

TEST(Cli, HelpListsCommandsAndExitsZero) {
  auto r = runCommand({MG_BINARY, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: meshgate <command>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("version"), std::string::npos);
}

TEST(Cli, VersionPrintsRelease) {
  auto r = runCommand({MG_BINARY, "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("meshgate 0.", 0), 0u) << r.out;
}

TEST(Cli, UnknownCommandIsUsageError) {
  auto r = runCommand({MG_BINARY, "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST(Cli, RunRejectsBadOptionValuesBeforeStarting) {
  for (const char* v : {"2s", "-1ms", "fast", "10"}) {
    auto r = runCommand({MG_BINARY, "run", "--busy-poll", v});
    EXPECT_EQ(r.exit_code, 2) << v;
    EXPECT_NE(r.err.find("--busy-poll wants a duration from 0 to 1s"), std::string::npos) << r.err;
  }
  auto r = runCommand({MG_BINARY, "run", "--concurrency", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--concurrency wants a number from 1 to 1024"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace meshgate
