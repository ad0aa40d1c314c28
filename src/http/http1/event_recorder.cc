// SPDX-License-Identifier: Apache-2.0
// Parser transcripts for tests and fuzzers. Depends on http1.
#include "http/http1/event_recorder.h"

namespace meshgate::http1 {

namespace {

std::string describeFields(const http::HeaderMap& fields) {
  std::string s;
  for (const http::HeaderField f : fields) {
    s += " | ";
    s += f.name;
    s += ": ";
    s += f.value;
  }
  return s;
}

std::string describeFraming(const Framing& f) {
  std::string s = " ||";
  switch (f.body) {
    case BodyFraming::None:
      s += " none";
      break;
    case BodyFraming::ContentLength:
      s += " cl=" + std::to_string(f.content_length);
      break;
    case BodyFraming::Chunked:
      s += " chunked";
      break;
    case BodyFraming::CloseDelimited:
      s += " close-delimited";
      break;
    case BodyFraming::Tunnel:
      s += " tunnel";
      break;
  }
  if (f.keep_alive) s += " ka";
  if (f.expect_continue) s += " continue";
  if (f.upgrade) s += " upgrade";
  return s;
}

template <typename Parser, typename Next>
Transcript drive(Parser& p, std::string_view input, const std::vector<size_t>& cuts, bool finish,
                 Next&& next) {
  Transcript t;
  std::string pending;
  auto record = [&](const Event& ev) -> bool {
    switch (ev.type) {
      case EventType::NeedMoreData:
      case EventType::Paused:
        return false;
      case EventType::Headers:
        t.push_back("headers " + describeHead(p.head()) + describeFraming(p.framing()));
        return true;
      case EventType::InterimHeaders:
        t.push_back("interim " + describeHead(p.head()));
        return true;
      case EventType::Body:
        if (!t.empty() && t.back().starts_with("body ")) {
          t.back().append(ev.body);
        } else {
          t.push_back("body " + std::string(ev.body));
        }
        return true;
      case EventType::Trailers:
        t.push_back("trailers" + describeFields(p.trailers()));
        return true;
      case EventType::MessageComplete:
        t.push_back("complete");
        return next(p);
      case EventType::Closed:
        t.push_back("closed");
        return false;
      case EventType::Error:
        t.push_back("error " + std::string(p.error().reason) + " " +
                    std::to_string(p.error().status));
        return false;
    }
    return false;
  };
  auto pump = [&]() -> bool {
    while (true) {
      const Event ev = p.parse(pending);
      const bool go_on = record(ev);  // before erasing: ev.body points into `pending`
      pending.erase(0, ev.consumed);
      if (ev.type == EventType::Error) return false;
      if (!go_on) return true;
    }
  };
  size_t prev = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : input.size();
    if (end < prev || end > input.size()) continue;
    pending.append(input.substr(prev, end - prev));
    prev = end;
    if (!pump()) return t;
  }
  if (finish) {
    const Event ev = p.finish();
    record(ev);
    // A close-delimited message completed by EOF: nothing follows.
  }
  return t;
}

}  // namespace

std::vector<size_t> everyByte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i)
    cuts.push_back(i);
  return cuts;
}

std::string describeHead(const http::RequestHead& h) {
  return std::string(h.methodText()) + " " + std::string(h.target()) + " " +
         std::string(http::versionText(h.version())) + describeFields(h.headers());
}

std::string describeHead(const http::ResponseHead& h) {
  return std::string(http::versionText(h.version())) + " " + std::to_string(h.status()) + " " +
         std::string(h.reason()) + describeFields(h.headers());
}

Transcript recordRequests(std::string_view input, const std::vector<size_t>& cuts,
                          const ParserOptions& options, bool finish) {
  RequestParser p(options);
  return drive(p, input, cuts, finish, [](RequestParser& rp) {
    rp.resume();
    return true;
  });
}

Transcript recordResponses(std::string_view input, const std::vector<size_t>& cuts,
                           const std::vector<http::Method>& methods, const ParserOptions& options,
                           bool finish) {
  ResponseParser p(options);
  size_t next = 0;
  if (methods.empty()) return {};
  p.expectResponse(methods[next++]);
  return drive(p, input, cuts, finish, [&](ResponseParser& rp) {
    if (next >= methods.size() || rp.framing().body == BodyFraming::Tunnel) return false;
    rp.expectResponse(methods[next++]);
    return true;
  });
}

}  // namespace meshgate::http1
