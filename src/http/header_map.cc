// SPDX-License-Identifier: Apache-2.0
// HeaderMap implementation: block arena, known-field index. Depends on std only.
#include "http/header_map.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "http/chars.h"

namespace meshgate::http {

namespace {

constexpr std::string_view kNames[kKnownHeaderCount] = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "http2-settings",
    "proxy-authenticate",
    "proxy-authorization",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-request-id",
    "authorization",
    "cookie",
    "set-cookie",
    "content-type",
    "user-agent",
    "date",
    "server",
    "via",
    "location",
    "retry-after",
};

constexpr size_t kMaxKnownLen = 19;

// Known names are unique by (length, first letter), so one table lookup finds the only
// candidate and a short byte loop confirms it: no hashing, no memcmp call.
struct ByLengthAndFirst {
  std::array<std::array<uint8_t, 26>, kMaxKnownLen + 1> id_plus_one{};
  bool unique = true;
};

constexpr ByLengthAndFirst makeIndex() {
  ByLengthAndFirst t{};
  for (size_t i = 0; i < kKnownHeaderCount; ++i) {
    const std::string_view n = kNames[i];
    if (n.empty() || n.size() > kMaxKnownLen || n[0] < 'a' || n[0] > 'z') {
      t.unique = false;
      continue;
    }
    uint8_t& slot = t.id_plus_one[n.size()][static_cast<size_t>(n[0] - 'a')];
    if (slot != 0) t.unique = false;
    slot = static_cast<uint8_t>(i + 1);
  }
  return t;
}

constexpr ByLengthAndFirst kIndex = makeIndex();
static_assert(kIndex.unique, "known header names must be unique by (length, first letter)");

// `name` in any case.
inline HeaderId classify(const char* name, size_t len) {
  if (len == 0 || len > kMaxKnownLen) return HeaderId::Other;
  const unsigned first = static_cast<unsigned char>(lowerAscii(name[0])) - 'a';
  if (first >= 26) return HeaderId::Other;
  const uint8_t slot = kIndex.id_plus_one[len][first];
  if (slot == 0) return HeaderId::Other;
  const char* known = kNames[slot - 1].data();
  for (size_t i = 1; i < len; ++i) {
    if (lowerAscii(name[i]) != known[i]) return HeaderId::Other;
  }
  return static_cast<HeaderId>(slot - 1);
}

size_t roundUp(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

std::string_view headerName(HeaderId id) {
  const size_t i = static_cast<size_t>(id);
  return i < kKnownHeaderCount ? kNames[i] : std::string_view();
}

HeaderId headerIdOf(std::string_view name) {
  return classify(name.data(), name.size());
}

bool isValidHeaderName(std::string_view name) {
  return isToken(name);
}

bool isValidHeaderValue(std::string_view value) {
  for (char c : value) {
    if (!isFieldValueChar(c)) return false;
  }
  return value.empty() || (!isOws(value.front()) && !isOws(value.back()));
}

HeaderMap::HeaderMap(const HeaderMap& other) {
  *this = other;
}

HeaderMap& HeaderMap::operator=(const HeaderMap& other) {
  if (this == &other) return *this;
  clear();
  entries_.reserve(other.entries_.size());
  for (const Entry& e : other.entries_)
    appendEntry<false>(nameOf(e), valueOf(e));
  return *this;
}

HeaderMap::HeaderMap(HeaderMap&& other) noexcept {
  *this = std::move(other);
}

HeaderMap& HeaderMap::operator=(HeaderMap&& other) noexcept {
  if (this == &other) return *this;
  entries_ = std::move(other.entries_);
  first_ = other.first_;
  counts_ = other.counts_;
  byte_size_ = other.byte_size_;
  blocks_ = std::move(other.blocks_);
  block_ = other.block_;
  used_ = other.used_;
  other.entries_.clear();
  other.blocks_.clear();
  other.first_.fill(0);
  other.counts_.fill(0);
  other.byte_size_ = 0;
  other.block_ = 0;
  other.used_ = 0;
  return *this;
}

bool HeaderMap::operator==(const HeaderMap& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& a = entries_[i];
    const Entry& b = other.entries_[i];
    if (nameOf(a) != nameOf(b) || valueOf(a) != valueOf(b)) return false;
  }
  return true;
}

char* HeaderMap::allocate(size_t n) {
  if (n == 0) n = 1;  // a distinct, valid pointer even for empty strings
  if (!blocks_.empty() && blocks_[block_].size - used_ >= n) {
    char* p = blocks_[block_].data.get() + used_;
    used_ += n;
    return p;
  }
  // Move on to a later retained block that fits, or allocate one. Blocks only grow, so
  // that a big head costs O(log n) allocations.
  size_t next = blocks_.empty() ? 0 : block_ + 1;
  while (next < blocks_.size() && blocks_[next].size < n)
    ++next;
  if (next == blocks_.size()) {
    const size_t last = blocks_.empty() ? 512 : blocks_.back().size;
    Block b;
    b.size = roundUp(std::max(n, last * 2), 256);
    b.data = std::make_unique<char[]>(b.size);
    blocks_.push_back(std::move(b));
  }
  block_ = next;
  used_ = n;
  return blocks_[block_].data.get();
}

const char* HeaderMap::copyValue(std::string_view value) {
  char* p = allocate(value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  return p;
}

constexpr uint64_t kLowBits = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

// 0x80 in each byte lane of `x` whose value is in [lo, hi]; every lane must be < 0x80, which
// keeps the additions from carrying into the next lane.
inline uint64_t lanesInRange(uint64_t x, unsigned lo, unsigned hi) {
  return (x + (0x80 - lo) * kLowBits) & ~(x + (0x7f - hi) * kLowBits) & kHighBits;
}

// The candidate known name for `name` (any case) by (length, first letter), or nullptr.
inline const char* knownCandidate(std::string_view name, uint8_t& slot) {
  slot = 0;
  if (name.empty() || name.size() > kMaxKnownLen) return nullptr;
  const unsigned first = static_cast<unsigned char>(lowerAscii(name[0])) - 'a';
  if (first >= 26) return nullptr;
  slot = kIndex.id_plus_one[name.size()][first];
  return slot == 0 ? nullptr : kNames[slot - 1].data();
}

template <bool kValidateName>
bool HeaderMap::appendEntry(std::string_view name, std::string_view value) {
  // One allocation holds name and value, so that the common case touches one cache line.
  char* p = allocate(name.size() + value.size());
  // Lower-case, validate (kTokenLower is 0 for non-token bytes) and compare with the one
  // known name of that length and first letter, all in the pass that copies the name. On
  // failure the bytes stay as arena garbage until clear(); no entry refers to them.
  uint8_t slot = 0;
  const char* known = knownCandidate(name, slot);
  uint8_t invalid = 0;
  uint8_t differs = known == nullptr ? 1 : 0;
  // Names of 8+ bytes made of letters, digits and '-' (nearly all real ones) go eight bytes
  // at a time, the last chunk overlapping the previous one (the per-byte work is
  // idempotent). Anything else takes the byte-wise table path.
  bool fast = name.size() >= 8;
  uint8_t fast_differs = 0;
  for (size_t at = 0; fast;) {
    uint64_t x;
    std::memcpy(&x, name.data() + at, 8);
    const uint64_t upper = lanesInRange(x, 'A', 'Z');
    const uint64_t ok =
        upper | lanesInRange(x, 'a', 'z') | lanesInRange(x, '0', '9') | lanesInRange(x, '-', '-');
    if ((x & kHighBits) != 0 || ok != kHighBits) {
      fast = false;
      break;
    }
    const uint64_t lower = x | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit
    std::memcpy(p + at, &lower, 8);
    if (known != nullptr) {
      uint64_t k;
      std::memcpy(&k, known + at, 8);
      fast_differs |= k != lower ? 1 : 0;
    }
    if (at + 8 == name.size()) break;
    at = at + 16 <= name.size() ? at + 8 : name.size() - 8;
  }
  if (fast) {
    differs = known == nullptr ? 1 : fast_differs;
  } else {
    for (size_t i = 0; i < name.size(); ++i) {
      const uint8_t c = kValidateName ? kTokenLower[static_cast<uint8_t>(name[i])]
                                      : static_cast<uint8_t>(lowerAscii(name[i]));
      invalid |= c == 0 ? 1 : 0;
      if (known != nullptr) differs |= c != static_cast<uint8_t>(known[i]) ? 1 : 0;
      p[i] = static_cast<char>(c);
    }
  }
  if (kValidateName && (invalid != 0 || name.empty())) return false;
  if (!value.empty()) std::memcpy(p + name.size(), value.data(), value.size());
  const HeaderId id = differs == 0 ? static_cast<HeaderId>(slot - 1) : HeaderId::Other;
  // Fill the entry in place: building it aside and copying it costs a store-forwarding
  // stall on every field.
  Entry& e = entries_.emplace_back();
  e.name = p;
  e.value = p + name.size();
  e.name_len = static_cast<uint32_t>(name.size());
  e.value_len = static_cast<uint32_t>(value.size());
  e.id = id;
  if (id != HeaderId::Other) {
    if (counts_[idx(id)]++ == 0) first_[idx(id)] = static_cast<uint32_t>(entries_.size());
  }
  byte_size_ += name.size() + value.size();
  return true;
}

bool HeaderMap::addCodecField(std::string_view name, std::string_view value) {
  return appendEntry<true>(name, value);
}

bool HeaderMap::add(std::string_view name, std::string_view value) {
  if (!isValidHeaderName(name) || !isValidHeaderValue(value)) return false;
  appendEntry<false>(name, value);
  return true;
}

bool HeaderMap::matches(const Entry& e, std::string_view name) {
  if (e.name_len != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (e.name[i] != lowerAscii(name[i])) return false;
  }
  return true;
}

int HeaderMap::findFirst(std::string_view name, HeaderId id) const {
  if (id != HeaderId::Other) return static_cast<int>(first_[idx(id)]) - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (matches(entries_[i], name)) return static_cast<int>(i);
  }
  return -1;
}

bool HeaderMap::set(std::string_view name, std::string_view value) {
  if (!isValidHeaderName(name) || !isValidHeaderValue(value)) return false;
  const HeaderId id = headerIdOf(name);
  const int first = findFirst(name, id);
  if (first < 0) {
    appendEntry<false>(name, value);
    return true;
  }
  Entry& e = entries_[first];
  byte_size_ -= e.value_len;
  e.value = copyValue(value);
  e.value_len = static_cast<uint32_t>(value.size());
  byte_size_ += value.size();
  // Drop the later duplicates.
  const size_t keep = static_cast<size_t>(first);
  size_t at = 0;
  removeIf([&](const HeaderField& f) {
    const bool later = at++ > keep;
    return later && (id != HeaderId::Other ? f.id == id : equalsIgnoreCase(f.name, name));
  });
  return true;
}

bool HeaderMap::set(HeaderId id, std::string_view value) {
  if (id == HeaderId::Other) return false;
  return set(headerName(id), value);
}

bool HeaderMap::append(std::string_view name, std::string_view value, std::string_view separator) {
  if (!isValidHeaderName(name) || !isValidHeaderValue(value)) return false;
  for (char c : separator) {
    if (!isFieldValueChar(c)) return false;
  }
  const int first = findFirst(name, headerIdOf(name));
  if (first < 0) {
    appendEntry<false>(name, value);
    return true;
  }
  Entry& e = entries_[first];
  if (e.value_len == 0) {
    e.value = copyValue(value);
  } else {
    const size_t n = e.value_len + separator.size() + value.size();
    char* p = allocate(n);
    std::memcpy(p, e.value, e.value_len);
    std::memcpy(p + e.value_len, separator.data(), separator.size());
    if (!value.empty()) std::memcpy(p + e.value_len + separator.size(), value.data(), value.size());
    e.value = p;
  }
  byte_size_ += (e.value_len == 0 ? value.size() : separator.size() + value.size());
  e.value_len = static_cast<uint32_t>(
      e.value_len == 0 ? value.size() : e.value_len + separator.size() + value.size());
  return true;
}

size_t HeaderMap::remove(std::string_view name) {
  const HeaderId id = headerIdOf(name);
  if (id != HeaderId::Other) return remove(id);
  return removeIf([&](const HeaderField& f) {
    return f.id == HeaderId::Other && equalsIgnoreCase(f.name, name);
  });
}

size_t HeaderMap::remove(HeaderId id) {
  if (id == HeaderId::Other || counts_[idx(id)] == 0) return 0;
  return removeIf([id](const HeaderField& f) { return f.id == id; });
}

size_t HeaderMap::removeIfImpl(bool (*pred)(void*, const HeaderField&), void* ctx) {
  size_t out = 0;
  const size_t n = entries_.size();
  for (size_t i = 0; i < n; ++i) {
    const Entry e = entries_[i];
    if (pred(ctx, fieldOf(e))) {
      byte_size_ -= e.name_len + e.value_len;
      continue;
    }
    entries_[out++] = e;
  }
  const size_t removed = n - out;
  if (removed != 0) {
    entries_.resize(out);
    rebuildIndex();
  }
  return removed;
}

void HeaderMap::rebuildIndex() {
  first_.fill(0);
  counts_.fill(0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const HeaderId id = entries_[i].id;
    if (id == HeaderId::Other) continue;
    if (counts_[idx(id)]++ == 0) first_[idx(id)] = static_cast<uint32_t>(i + 1);
  }
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  const int i = findFirst(name, headerIdOf(name));
  if (i < 0) return std::nullopt;
  return valueOf(entries_[i]);
}

std::optional<std::string_view> HeaderMap::get(HeaderId id) const {
  if (id == HeaderId::Other || first_[idx(id)] == 0) return std::nullopt;
  return valueOf(entries_[first_[idx(id)] - 1]);
}

size_t HeaderMap::count(std::string_view name) const {
  const HeaderId id = headerIdOf(name);
  if (id != HeaderId::Other) return counts_[idx(id)];
  size_t n = 0;
  for (const Entry& e : entries_)
    n += matches(e, name) ? 1 : 0;
  return n;
}

bool HeaderMap::getJoined(std::string_view name, std::string& out) const {
  out.clear();
  bool found = false;
  forEachValue(name, [&](std::string_view v) {
    if (found) out.append(", ");
    out.append(v);
    found = true;
  });
  return found;
}

void HeaderMap::clear() {
  entries_.clear();
  first_.fill(0);
  counts_.fill(0);
  byte_size_ = 0;
  block_ = 0;
  used_ = 0;
  size_t kept = 0;
  size_t keep_blocks = 0;
  while (keep_blocks < blocks_.size() && kept + blocks_[keep_blocks].size <= kRetainedBytes) {
    kept += blocks_[keep_blocks].size;
    ++keep_blocks;
  }
  blocks_.resize(keep_blocks);
}

void HeaderMap::releaseMemory() {
  clear();
  blocks_.clear();
  blocks_.shrink_to_fit();
  entries_.shrink_to_fit();
}

}  // namespace meshgate::http
