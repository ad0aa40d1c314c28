// SPDX-License-Identifier: Apache-2.0
// The watcher with real files: in-place writes, write-and-rename, ConfigMap
// `..data` symlink swaps, files appearing and disappearing.
#include "config/watcher.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "testing/ports.h"
#include "testing/temp_dir.h"

namespace meshgate::config {
namespace {

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Waits (bounded) until the watcher reports a change.
bool changed(Watcher& w) {
  return testing::waitUntil(
      [&] {
        pollfd p{w.fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) return false;
        return w.drain();
      },
      std::chrono::seconds(5));
}

// True when nothing relevant arrives for a short while.
bool quiet(Watcher& w) {
  pollfd p{w.fd(), POLLIN, 0};
  if (::poll(&p, 1, 200) <= 0) return true;
  return !w.drain();
}

TEST(Watcher, FileWrittenInPlaceAndRenamedOver) {
  testing::TempDir dir;
  const std::string file = dir.write("mesh.yaml", "a: 1\n");
  auto w = Watcher::create(file);
  ASSERT_TRUE(w.ok()) << w.error().describe();
  EXPECT_TRUE(quiet(**w));
  writeFile(file, "a: 2\n");
  EXPECT_TRUE(changed(**w));
  // An editor's save: write a temporary file, rename it over the original.
  writeFile(dir.file(".mesh.yaml.swp"), "a: 3\n");
  ASSERT_EQ(::rename(dir.file(".mesh.yaml.swp").c_str(), file.c_str()), 0);
  EXPECT_TRUE(changed(**w));
  // Still watching after the rename.
  writeFile(file, "a: 4\n");
  EXPECT_TRUE(changed(**w));
  // Other files in the directory are not our business.
  writeFile(dir.file("other.txt"), "x");
  EXPECT_TRUE(quiet(**w));
}

TEST(Watcher, DirectoryFilesAppearAndDisappear) {
  testing::TempDir dir;
  dir.write("a.yaml", "a: 1\n");
  auto w = Watcher::create(dir.path());
  ASSERT_TRUE(w.ok());
  dir.write("b.yml", "b: 1\n");
  EXPECT_TRUE(changed(**w));
  ASSERT_EQ(::unlink(dir.file("a.yaml").c_str()), 0);
  EXPECT_TRUE(changed(**w));
  dir.write("notes.txt", "x");
  EXPECT_TRUE(quiet(**w));
}

TEST(Watcher, ConfigMapDataSymlinkSwap) {
  // Kubernetes' AtomicWriter layout: mesh.yaml -> ..data/mesh.yaml,
  // ..data -> ..2024_01; an update writes ..2024_02 and renames a new ..data link over.
  testing::TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("..2024_01").c_str(), 0755), 0);
  writeFile(dir.file("..2024_01/mesh.yaml"), "v: 1\n");
  ASSERT_EQ(::symlink("..2024_01", dir.file("..data").c_str()), 0);
  ASSERT_EQ(::symlink("..data/mesh.yaml", dir.file("mesh.yaml").c_str()), 0);
  for (const std::string& path : {dir.path(), dir.file("mesh.yaml")}) {
    auto w = Watcher::create(path);
    ASSERT_TRUE(w.ok()) << path;
    const std::string gen = path == dir.path() ? "..2024_02" : "..2024_03";
    ASSERT_EQ(::mkdir(dir.file(gen).c_str(), 0755), 0);
    writeFile(dir.file(gen + "/mesh.yaml"), "v: 2\n");
    ASSERT_EQ(::symlink(gen.c_str(), dir.file("..data_tmp").c_str()), 0);
    ASSERT_EQ(::rename(dir.file("..data_tmp").c_str(), dir.file("..data").c_str()), 0);
    EXPECT_TRUE(changed(**w)) << path;
  }
}

TEST(Watcher, MissingPathIsAnError) {
  auto w = Watcher::create("/nonexistent/meshgate");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().describe().find("cannot watch /nonexistent/meshgate"), std::string::npos);
}

}  // namespace
}  // namespace meshgate::config

namespace meshgate::config {
namespace {

TEST(Watcher, AnyNameCountsEveryFileOfTheDirectory) {
  testing::TempDir dir;
  dir.write("policy.rego", "package a\n");
  auto yaml_only = Watcher::create(dir.path());
  auto any = Watcher::create(dir.path(), /*any_name=*/true);
  ASSERT_TRUE(yaml_only.ok() && any.ok());
  writeFile(dir.file("policy.rego"), "package b\n");
  EXPECT_TRUE(changed(**any)) << "policy bundles: .rego, data.json, .manifest all count";
  EXPECT_TRUE(quiet(**yaml_only)) << "config directories: only YAML files count";
  writeFile(dir.file(".manifest"), "{}");
  EXPECT_TRUE(changed(**any));
}

}  // namespace
}  // namespace meshgate::config
