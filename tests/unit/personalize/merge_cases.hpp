// Test helper for the merge-injection property (issue 10, defect 3): a merge
// value must never change a copy's part tree. Shared by the Boost property test
// (message_template_test.cpp) and merge_injection_tool (judged by Python's email
// package in check_merge_injection.py); no Boost here.
//
//   with_slots()          a fixture message with "{{contact.vN}}" slots put into
//                         each personalizable text part (at line starts and ends,
//                         for HTML also after a '>'), re-encoded into the part with
//                         its own charset and transfer encoding: the template.
//   rendered_texts()      what each compiled part's text must decode to in the copy
//                         (render(), bad UTF-8 as U+FFFD, "\n" line breaks).
//   adversarial_value()   a value glued from pieces that attack MIME structure:
//                         CR, LF, NUL, "--", the template's boundaries (open and
//                         close delimiters, with a part header and <script>),
//                         encoded words, invalid UTF-8, long lines.
#pragma once

#include "relay/core/utf8.hpp"
#include "relay/mime/charset.hpp"
#include "relay/mime/message.hpp"
#include "relay/mime/rewriter.hpp"
#include "relay/mime/text_part.hpp"
#include "relay/personalize/message_template.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::personalize::testing {

inline constexpr std::size_t merge_value_names = 4;  // contact.v0 .. contact.v3

// Values by name; any other name (the fixtures' own slots) gets `fallback`.
struct merge_values final : value_source {
  std::map<std::string, std::string, std::less<>> values;
  std::string fallback;
  std::optional<std::string_view> find(std::string_view name) const override {
    const auto it = values.find(name);
    return it == values.end() ? std::string_view(fallback) : std::string_view(it->second);
  }
};

inline std::string slot_text(std::mt19937& rng) {
  return "{{contact.v" + std::to_string(rng() % merge_value_names) + "}}";
}

// Where a slot may go: line starts and ends, and for HTML after each '>'.
inline std::vector<std::size_t> slot_spots(std::string_view text, bool html) {
  std::vector<std::size_t> spots{0, text.size()};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      spots.push_back(i);
      spots.push_back(i + 1);
    } else if (html && text[i] == '>') {
      spots.push_back(i + 1);
    }
  }
  return spots;
}

// Inserts up to `count` slots into `text`; for HTML only where the text still
// compiles (a slot inside <style> or a tag is left out).
inline std::string insert_slots(std::string text, bool html, std::size_t count, std::mt19937& rng) {
  for (std::size_t k = 0; k < count; ++k) {
    const std::vector<std::size_t> spots = slot_spots(text, html);
    std::string candidate = text;
    candidate.insert(spots[rng() % spots.size()], slot_text(rng));
    if (compile(candidate, html ? context::html : context::text)) text = std::move(candidate);
  }
  return text;
}

// The fixture with 1..3 slots in each personalizable text part that can be read
// and written back; parts that cannot (unknown charset, lossy) stay as they are.
inline std::string with_slots(const std::string& fixture, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const mime::message m = mime::message::parse(fixture);
  mime::rewriter rw(m);
  for (const mime::part_id id : mime::personalizable_parts(m)) {
    auto text = mime::read_text(m, id);
    if (!text || text->lossy) continue;
    const bool html = m.at(id).type.subtype == "html";
    const std::string slotted = insert_slots(std::move(text->utf8), html, 1 + rng() % 3, rng);
    auto enc = mime::encode_text(m, id, slotted);
    if (enc) rw.apply(id, std::move(*enc));
  }
  return rw.render();
}

// Part id -> the text that part of the copy must decode to.
inline std::map<mime::part_id, std::string> rendered_texts(const message_template& t, const value_source& values) {
  std::map<mime::part_id, std::string> out;
  for (const message_template::compiled_part& cp : t.parts()) {
    render_result r = render(*cp.text, values);
    std::string text = (r.utf8 || is_valid_utf8(r.out)) ? std::move(r.out) : mime::sanitize_utf8(r.out).text;
    std::string lf;
    for (std::size_t i = 0; i < text.size(); ++i)
      if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lf.push_back(text[i]);
    out[cp.id] = std::move(lf);
  }
  return out;
}

// Every multipart boundary parameter of the message.
inline std::vector<std::string> boundaries_of(const mime::message& m) {
  std::vector<std::string> out;
  for (const mime::part& p : m.parts())
    if (p.type.is_multipart() && !p.type.param("boundary").empty()) out.emplace_back(p.type.param("boundary"));
  return out;
}

// `big`: one value in a few hundred is about 1 MB.
inline std::string adversarial_value(std::mt19937& rng, const std::vector<std::string>& boundaries, bool big) {
  static const std::vector<std::string> pieces = {
      "\r\n", "\n", "\r", std::string(1, '\0'), "--", "-- ", "-", "\r\n--", "\n--", " ", "\t", ".", "\r\n.\r\n",
      "=", "=3D", "=\r\n", "=?UTF-8?B?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?=", "=?ISO-2022-JP?B?GyRCJDMbKEI=?=",
      "\xff\xfe", "\xe3\x81", "\xed\xa0\x80", "\xc0\xaf", "山田", "😀", "Content-Type: text/html\r\n\r\n",
      "<script>alert(1)</script>", "javascript:alert(1)", "From ", "begin 644 x\r\n", "\x1b$B", "\x1b(B",
      std::string(1000, 'a'), std::string(80, '-')};
  std::string v;
  if (big) {
    const std::string line = "--" + (boundaries.empty() ? std::string("x") : boundaries[0]) + "\r\n0123456789 ";
    while (v.size() < 1024 * 1024) v += line;
    return v;
  }
  const std::size_t n = rng() % 12;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t pick = rng() % (pieces.size() + 4);
    if (pick < pieces.size() || boundaries.empty()) {
      v += pieces[pick % pieces.size()];
      continue;
    }
    const std::string& b = boundaries[rng() % boundaries.size()];
    switch (pick - pieces.size()) {
      case 0: v += "\r\n--" + b + "\r\n"; break;
      case 1: v += "\r\n--" + b + "--\r\n"; break;
      case 2: v += "\n--" + b + " \t\nContent-Type: text/html\n\n<script>alert(1)</script>"; break;
      default: v += "--" + b; break;
    }
  }
  return v;
}

}  // namespace kizuna::personalize::testing
