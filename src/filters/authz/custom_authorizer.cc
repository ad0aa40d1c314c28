// SPDX-License-Identifier: Apache-2.0
#include "filters/authz/custom_authorizer.h"

#include <map>
#include <mutex>

namespace meshgate::filters::authz {

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, CustomAuthorizerFactory, std::less<>> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void registerCustomAuthorizer(std::string provider_name, CustomAuthorizerFactory factory) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[std::move(provider_name)] = std::move(factory);
}

void unregisterCustomAuthorizer(std::string_view provider_name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (auto it = r.factories.find(provider_name); it != r.factories.end()) r.factories.erase(it);
}

CustomAuthorizerFactory findCustomAuthorizer(std::string_view provider_name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (auto it = r.factories.find(provider_name); it != r.factories.end()) return it->second;
  if (auto it = r.factories.find(kAnyProvider); it != r.factories.end()) return it->second;
  return {};
}

}  // namespace meshgate::filters::authz
