// SPDX-License-Identifier: Apache-2.0
#include "base/yaml_guard.h"

#include <algorithm>

namespace meshgate::base {

namespace {

bool isBlank(char c) {
  return c == ' ' || c == '\t';
}

// Where a quote or a flow collection may start: at the start of a line or a
// token, not inside a plain scalar such as `it's` or `a[0]`.
bool opensToken(char prev) {
  return prev == '\0' || isBlank(prev) || prev == '[' || prev == '{' || prev == ',' || prev == ':';
}

// True when `content` (a line without its comment, trailing blanks removed)
// ends in a block scalar header: `|` or `>`, then optional indentation and
// chomping indicators, after a blank or at the start.
bool endsWithBlockScalarHeader(std::string_view content) {
  size_t i = content.size();
  while (i > 0 && (content[i - 1] == '+' || content[i - 1] == '-' ||
                   (content[i - 1] >= '1' && content[i - 1] <= '9')))
    --i;
  if (i == 0 || (content[i - 1] != '|' && content[i - 1] != '>')) return false;
  return i == 1 || isBlank(content[i - 2]);
}

}  // namespace

std::optional<YamlHazard> findYamlHazard(std::string_view text) {
  // YAML text has no NUL (it is not c-printable). A NUL among the first bytes makes yaml-cpp
  // read the text as UTF-16 or UTF-32, which the line scan below, reading UTF-8, would not
  // see: "\0," is a ',' opening a line to yaml-cpp.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    const std::string_view before = text.substr(0, nul);
    const size_t line_start = before.rfind('\n') + 1;  // npos + 1 is 0
    return YamlHazard{static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n') + 1),
                      static_cast<uint32_t>(nul - line_start + 1),
                      "NUL byte (YAML is UTF-8 text without NULs)"};
  }
  uint32_t line_no = 0;
  int flow_depth = 0;
  char quote = 0;
  int64_t block_scalar_parent = -1;  // indentation of the line that opened it
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    ++line_no;

    size_t indent = 0;
    while (indent < line.size() && isBlank(line[indent]))
      ++indent;
    if (block_scalar_parent >= 0) {
      if (indent == line.size() || static_cast<int64_t>(indent) > block_scalar_parent) {
        if (end == text.size()) break;
        continue;  // the block scalar's content: anything goes
      }
      block_scalar_parent = -1;
    }
    if (quote == 0 && flow_depth == 0 && indent < line.size() && line[indent] == ',') {
      return YamlHazard{line_no, static_cast<uint32_t>(indent + 1),
                        "',' outside a flow collection (quote the value if it starts with ',')"};
    }

    size_t content_end = line.size();  // where a comment starts
    char prev = '\0';
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote = 0;
          }
        }
      } else if (quote == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote = 0;
        }
      } else if (c == '#' && (prev == '\0' || isBlank(prev))) {
        content_end = i;
        break;
      } else if ((c == '"' || c == '\'') && opensToken(prev)) {
        quote = c;
      } else if ((c == '[' || c == '{') && opensToken(prev)) {
        ++flow_depth;
      } else if ((c == ']' || c == '}') && flow_depth > 0) {
        --flow_depth;
      }
      prev = c;
    }
    if (quote == 0 && flow_depth == 0) {
      std::string_view content = line.substr(0, content_end);
      while (!content.empty() && isBlank(content.back()))
        content.remove_suffix(1);
      if (endsWithBlockScalarHeader(content)) block_scalar_parent = static_cast<int64_t>(indent);
    }
    if (end == text.size()) break;
  }
  return std::nullopt;
}

}  // namespace meshgate::base
