#include "relay/mime/message.hpp"

#include <algorithm>
#include <utility>

#include "relay/mime/lines.hpp"

namespace kizuna::mime {

bool part::is_personalizable_text() const noexcept {
  // Fields past max_fields are not known: its real Content-Type or
  // Content-Transfer-Encoding may be among them (found by tests/fuzz/fuzz_mime).
  if (defects & defect::too_many_fields) return false;
  if (!type.is("text", "plain") && !type.is("text", "html")) return false;
  if (disposition && disposition->is_attachment()) return false;
  return encoding != transfer_encoding::unknown;
}

class message_parser {
 public:
  message_parser(message& m, const parse_limits& limits) : m_(m), s_(m.bytes_), limits_(limits) {
    limits_.max_depth = std::min<std::size_t>(limits_.max_depth, 256);
    limits_.max_parts = std::max<std::size_t>(limits_.max_parts, 1);
  }

  void run() {
    const std::size_t nl = s_.find('\n');
    if (nl != std::string_view::npos && (nl == 0 || s_[nl - 1] != '\r')) m_.newline_ = "\n";
    parse_entity(0, no_part, 0);
    for (const part& p : m_.parts_) m_.defects_ |= p.defects;
  }

 private:
  // Where scanning stopped: a delimiter line of stack_[level], or the end.
  struct stop {
    bool eof = true;
    bool inside = false;  // scanned inside a multipart: its missing delimiter would own the last line end
    std::size_t line_begin = 0;
    std::size_t line_next = 0;
    std::size_t level = 0;
    bool close = false;
  };

  // Is [b, e) a delimiter line of one of stack_[0, levels)? The innermost wins.
  bool match(std::size_t b, std::size_t e, std::size_t levels, std::size_t& level, bool& close) const noexcept {
    const std::string_view text = s_.substr(b, e - b);
    if (text.size() < 3 || text[0] != '-' || text[1] != '-') return false;
    const std::string_view rest = text.substr(2);
    for (std::size_t k = levels; k-- > 0;) {
      const std::string& boundary = stack_[k];
      if (!rest.starts_with(boundary)) continue;
      std::string_view tail = rest.substr(boundary.size());
      const bool is_close = tail.starts_with("--");
      if (is_close) tail.remove_prefix(2);
      if (!detail::trim_wsp(tail).empty()) continue;  // "--boundaryX" is not our delimiter
      level = k;
      close = is_close;
      return true;
    }
    return false;
  }

  static bool header_stop(const void* ctx, std::size_t b, std::size_t e) {
    const auto* self = static_cast<const message_parser*>(ctx);
    std::size_t level = 0;
    bool close = false;
    return self->match(b, e, self->stack_.size(), level, close);
  }

  stop scan(std::size_t pos, std::size_t levels, part& p) const {
    stop st;
    st.inside = levels > 0;
    if (levels == 0) {
      st.line_begin = st.line_next = s_.size();
      return st;
    }
    while (pos < s_.size()) {
      const detail::line l = detail::line_at(s_, pos);
      if (l.bare_lf()) p.defects |= defect::bare_lf;
      if (match(l.begin, l.end, levels, st.level, st.close)) {
        st.eof = false;
        st.line_begin = l.begin;
        st.line_next = l.next;
        return st;
      }
      pos = l.next;
    }
    st.line_begin = st.line_next = s_.size();
    return st;
  }

  // End of the content before `st`: its delimiter's line end belongs to the delimiter.
  // At the end of the input inside a multipart (close delimiter missing), the last
  // line end is left out likewise, as Python's email package does.
  std::size_t end_before(const stop& st, std::size_t floor) const noexcept {
    if (st.eof && !st.inside) return s_.size();
    return st.line_begin - detail::line_end_before(s_, st.line_begin, floor);
  }

  part& at(part_id id) { return m_.parts_[id]; }

  stop parse_entity(std::size_t start, part_id parent, std::size_t depth) {
    const part_id id = m_.parts_.size();
    m_.parts_.emplace_back();
    at(id).parent = parent;
    at(id).depth = depth;
    if (parent != no_part) at(parent).children.push_back(id);

    header_block h = parse_header_block(s_, start, limits_, stack_.empty() ? nullptr : &message_parser::header_stop, this);
    {
      part& p = at(id);
      p.header = h.range;
      p.has_separator = h.separator;
      p.defects |= h.defects;
      p.fields = std::move(h.fields);
      if (const header_field* f = p.field("Content-Type")) p.type = parse_content_type(f->value);
      if (!p.type.present && parent != no_part && at(parent).type.is("multipart", "digest")) {
        p.type.type = "message";
        p.type.subtype = "rfc822";
      }
      if (const header_field* f = p.field("Content-Transfer-Encoding")) p.encoding = parse_transfer_encoding(f->value);
      if (const header_field* f = p.field("Content-Disposition")) p.disposition = parse_content_disposition(f->value);
    }
    const std::size_t body_begin = h.body_begin;

    if (at(id).type.is_multipart()) {
      const std::string boundary(at(id).type.param("boundary"));
      if (boundary.empty()) at(id).defects |= defect::missing_boundary;
      else if (boundary.size() > limits_.max_boundary) at(id).defects |= defect::boundary_too_long;
      else if (depth >= limits_.max_depth) at(id).defects |= defect::depth_exceeded;
      else return parse_multipart(id, boundary, body_begin);
    }
    const stop st = scan(body_begin, stack_.size(), at(id));
    at(id).body = {body_begin, std::max(body_begin, end_before(st, body_begin))};
    return st;
  }

  stop parse_multipart(part_id id, const std::string& boundary, std::size_t body_begin) {
    stack_.push_back(boundary);
    const std::size_t own = stack_.size() - 1;
    auto finish = [&](const stop& st, std::size_t end) {
      at(id).body = {body_begin, std::max(body_begin, end)};
      stack_.pop_back();
      return st;
    };

    stop st = scan(body_begin, stack_.size(), at(id));
    at(id).preamble = {body_begin, std::max(body_begin, end_before(st, body_begin))};
    if (st.eof || st.level != own) {  // no delimiter of ours at all
      at(id).defects |= defect::missing_close_boundary;
      return finish(st, at(id).preamble.end);
    }
    at(id).boundary = boundary;
    for (;;) {
      if (st.close) {
        const std::size_t epilogue_begin = st.line_next;
        const stop outer = scan(epilogue_begin, own, at(id));
        at(id).epilogue = {epilogue_begin, std::max(epilogue_begin, end_before(outer, epilogue_begin))};
        return finish(outer, at(id).epilogue.end);
      }
      if (m_.parts_.size() >= limits_.max_parts) {
        // Not split any further: skip to our close delimiter (or whatever ends us).
        at(id).defects |= defect::too_many_parts;
        do st = scan(st.line_next, stack_.size(), at(id));
        while (!st.eof && st.level == own && !st.close);
      } else {
        st = parse_entity(st.line_next, id, at(id).depth + 1);
      }
      if (st.eof || st.level != own) {  // the end, or an enclosing delimiter: our close is missing
        at(id).defects |= defect::missing_close_boundary;
        // A line end our last part already holds (its header's, or the separator
        // before its empty body) cannot also be the delimiter's: we end after it.
        const auto& kids = at(id).children;
        const std::size_t floor = kids.empty() ? body_begin : std::max(body_begin, at(kids.back()).body.end);
        return finish(st, end_before(st, floor));
      }
    }
  }

  message& m_;
  std::string_view s_;
  parse_limits limits_;
  std::vector<std::string> stack_;  // boundaries of the open multiparts, outermost first
};

message message::parse(std::string bytes, const parse_limits& limits) {
  message m;
  m.bytes_ = std::move(bytes);
  message_parser(m, limits).run();
  return m;
}

}  // namespace kizuna::mime
