// The tokenizer walks the template byte by byte (text runs are skipped with
// memchr) and stops at each slot's "{{" to look at its state. Lookahead
// patterns ("<!--", "-->", "</style") never contain '{', so a jump never
// passes over a slot.
#include "relay/personalize/html_scanner.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <string>

#include "relay/core/ascii.hpp"

namespace kizuna::personalize {
namespace {

enum class state : std::uint8_t {
  data,
  rcdata,   // <title>, <textarea>: text up to the end tag
  rawtext,  // <script>, <style>, ...: no slot allowed
  tag_open,
  end_tag_open,
  tag_name,
  before_attr_name,
  attr_name,
  after_attr_name,
  before_attr_value,
  attr_value_dq,
  attr_value_sq,
  attr_value_unquoted,
  after_attr_value_quoted,
  self_closing_start,
  comment,
  conditional_open,  // "<!--[if mso" up to "]>"
  bogus_comment,     // <!DOCTYPE>, <![CDATA[, <![endif]-->, <?xml ...>, </1>
};

// url: a URL (or a list whose separators url escaping encodes: srcset's and
// ping's spaces); url_list: a list whose separator url escaping keeps (SVG
// values=, ';'), so every slot is a component.
enum class attr_kind : std::uint8_t { plain, url, url_list, forbidden };

constexpr std::size_t max_name_kept = 32;  // longer tag/attribute names match no keyword

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

constexpr std::array<std::string_view, 7> rawtext_tags{"script", "style", "xmp", "iframe", "noembed", "noframes",
                                                       "plaintext"};
constexpr std::array<std::string_view, 2> rcdata_tags{"title", "textarea"};
// Attributes that hold a URL a client may load or follow, on any element
// (HTML 4 and 5, SVG, legacy IE/Netscape); list in template.hpp.
constexpr std::array<std::string_view, 22> url_attributes{
    "href",     "src",      "action",   "formaction", "cite",        "poster",     "background", "xlink:href",
    "data",     "codebase", "classid",  "archive",    "longdesc",    "usemap",     "lowsrc",     "dynsrc",
    "ping",     "manifest", "profile",  "icon",       "srcset",      "imagesrcset"};
// SVG animation elements: to= from= by= values= can set an href (<set
// attributeName="href" to="javascript:...">).
constexpr std::array<std::string_view, 5> svg_animation_tags{"animate", "set", "animatemotion", "animatetransform",
                                                             "animatecolor"};

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) noexcept {
  for (auto v : set)
    if (s == v) return true;
  return false;
}

attr_kind kind_of(std::string_view tag, std::string_view attr) noexcept {
  if (one_of(attr, url_attributes) || attr == "xml:base") return attr_kind::url;
  // <meta http-equiv=refresh content="0;url=...">: the attribute that says
  // refresh may come after content, so every meta content is a URL.
  if (tag == "meta" && attr == "content") return attr_kind::url;
  if (one_of(tag, svg_animation_tags)) {
    if (attr == "to" || attr == "from" || attr == "by") return attr_kind::url;
    if (attr == "values") return attr_kind::url_list;
  }
  if (attr.starts_with("on") || attr == "style" || attr == "srcdoc") return attr_kind::forbidden;
  return attr_kind::plain;
}

std::unexpected<compile_error> fail(std::size_t offset, std::string message) {
  compile_error e;
  e.offset = offset;
  e.message = std::move(message);
  return std::unexpected(std::move(e));
}

class scanner {
 public:
  scanner(std::string_view src, std::span<const parsed_slot> slots) : s_(src), slots_(slots) {
    plan_.escapings.reserve(slots.size());
  }

  std::expected<html_plan, compile_error> run() {
    std::size_t i = 0;
    std::size_t k = 0;
    while (i < s_.size()) {
      const std::size_t next_slot = k < slots_.size() ? slots_[k].begin : s_.size();
      if (i == next_slot) {
        if (auto r = on_slot(slots_[k]); !r) return std::unexpected(std::move(r.error()));
        i = slots_[k++].end;
        continue;
      }
      i = step(i, next_slot);
    }
    end_value(s_.size());
    return std::move(plan_);
  }

 private:
  // Consumes at least one byte at `i` (never past `limit`, the next slot);
  // returns the next position.
  std::size_t step(std::size_t i, std::size_t limit) {
    const char c = s_[i];
    switch (st_) {
      case state::data:
      case state::rcdata:
      case state::rawtext:
        return step_text(i, limit);
      case state::tag_open:
        if (c == '!') return markup_declaration(i);
        if (c == '/') return go(state::end_tag_open, i + 1);
        if (is_alpha(c)) return start_tag(false, i);
        if (c == '?') return go(state::bogus_comment, i + 1);
        return go(state::data, i);
      case state::end_tag_open:
        if (is_alpha(c)) return start_tag(true, i);
        if (c == '>') return go(state::data, i + 1);
        return go(state::bogus_comment, i);
      case state::tag_name:
        if (is_space(c)) return go(state::before_attr_name, i + 1);
        if (c == '/') return go(state::self_closing_start, i + 1);
        if (c == '>') return emit_tag(i + 1);
        keep(tag_, c);
        return i + 1;
      case state::before_attr_name:
        if (is_space(c)) return i + 1;
        if (c == '/' || c == '>') return go(state::after_attr_name, i);
        attr_.clear();
        if (c == '=') {  // "<p =x>": an attribute named "=x", as in HTML5
          keep(attr_, c);
          return go(state::attr_name, i + 1);
        }
        return go(state::attr_name, i);
      case state::attr_name:
        if (is_space(c) || c == '/' || c == '>') return go(state::after_attr_name, i);
        if (c == '=') return begin_value_state(i + 1);
        keep(attr_, c);
        return i + 1;
      case state::after_attr_name:
        if (is_space(c)) return i + 1;
        if (c == '/') return go(state::self_closing_start, i + 1);
        if (c == '=') return begin_value_state(i + 1);
        if (c == '>') return emit_tag(i + 1);
        attr_.clear();
        return go(state::attr_name, i);
      case state::before_attr_value:
        if (is_space(c)) return i + 1;
        if (c == '"') return begin_value(state::attr_value_dq, i + 1);
        if (c == '\'') return begin_value(state::attr_value_sq, i + 1);
        if (c == '>') return emit_tag(i + 1);
        return begin_value(state::attr_value_unquoted, i);
      case state::attr_value_dq:
      case state::attr_value_sq:
        if (c == (st_ == state::attr_value_dq ? '"' : '\'')) return go(state::after_attr_value_quoted, i + 1);
        if (!is_space(c)) value_has_text_ = true;
        return i + 1;
      case state::attr_value_unquoted:
        if (is_space(c)) {
          end_value(i);
          return go(state::before_attr_name, i + 1);
        }
        if (c == '>') {
          end_value(i);
          return emit_tag(i + 1);
        }
        if (c == '"' && quote_rewrite_) plan_.edits.push_back({i, true, "&quot;"});
        value_has_text_ = true;
        return i + 1;
      case state::after_attr_value_quoted:
        if (is_space(c)) return go(state::before_attr_name, i + 1);
        if (c == '/') return go(state::self_closing_start, i + 1);
        if (c == '>') return emit_tag(i + 1);
        return go(state::before_attr_name, i);
      case state::self_closing_start:
        if (c == '>') return emit_tag(i + 1);
        return go(state::before_attr_name, i);
      case state::comment:
        if (s_.substr(i).starts_with("-->")) return go(state::data, i + 3);
        if (s_.substr(i).starts_with("--!>")) return go(state::data, i + 4);
        return i + 1;
      case state::conditional_open:
        if (s_.substr(i).starts_with("]>")) return go(state::data, i + 2);
        if (s_.substr(i).starts_with("-->")) return go(state::data, i + 3);
        return i + 1;
      case state::bogus_comment:
        return c == '>' ? go(state::data, i + 1) : i + 1;
    }
    return i + 1;
  }

  // Text, RCDATA and raw text: jump to the next '<' (or the next slot).
  std::size_t step_text(std::size_t i, std::size_t limit) {
    const void* lt = std::memchr(s_.data() + i, '<', limit - i);
    if (lt == nullptr) return limit;
    i = static_cast<std::size_t>(static_cast<const char*>(lt) - s_.data());
    if (st_ == state::data) return go(state::tag_open, i + 1);
    // An end tag for the element whose text this is, e.g. "</style" + space, '/' or '>'.
    const std::string_view rest = s_.substr(i);
    if (raw_end_ != "plaintext" && rest.size() > 2 + raw_end_.size() && rest[1] == '/' &&
        istarts_with(rest.substr(2), raw_end_)) {
      const char after = rest[2 + raw_end_.size()];
      if (is_space(after) || after == '/' || after == '>') {
        end_tag_ = true;
        tag_ = raw_end_;
        st_ = state::tag_name;
        return i + 2 + raw_end_.size();
      }
    }
    return i + 1;
  }

  std::size_t markup_declaration(std::size_t i) {  // at '!' after '<'
    const std::string_view rest = s_.substr(i + 1);
    if (!rest.starts_with("--")) return go(state::bogus_comment, i + 1);
    if (rest.substr(2).starts_with(">")) return go(state::data, i + 4);   // "<!-->"
    if (rest.substr(2).starts_with("->")) return go(state::data, i + 5);  // "<!--->"
    if (istarts_with(rest.substr(2), "[if")) return go(state::conditional_open, i + 3);
    return go(state::comment, i + 3);
  }

  std::size_t go(state st, std::size_t next) noexcept {
    st_ = st;
    return next;
  }

  std::size_t start_tag(bool end, std::size_t next) {
    end_tag_ = end;
    tag_.clear();
    return go(state::tag_name, next);
  }

  // '>' of a tag: a start tag of a raw text or RCDATA element changes what follows.
  std::size_t emit_tag(std::size_t next) {
    st_ = state::data;
    if (end_tag_) return next;
    if (one_of(tag_, rawtext_tags)) {
      st_ = state::rawtext;
      raw_end_ = tag_;
    } else if (one_of(tag_, rcdata_tags)) {
      st_ = state::rcdata;
      raw_end_ = tag_;
    }
    return next;
  }

  static void keep(std::string& name, char c) {
    if (name.size() <= max_name_kept) name.push_back(ascii_lower(c));
  }

  std::size_t begin_value_state(std::size_t next) {
    kind_ = kind_of(tag_, attr_);
    return go(state::before_attr_value, next);
  }

  std::size_t begin_value(state st, std::size_t start) {
    value_start_ = start;
    value_has_text_ = false;
    value_has_slot_ = false;
    quote_rewrite_ = false;
    return go(st, start);
  }

  // End of an unquoted value at `at`: close the quote opened for a slot.
  void end_value(std::size_t at) {
    if (st_ == state::attr_value_unquoted && quote_rewrite_) plan_.edits.push_back({at, false, "\""});
    quote_rewrite_ = false;
  }

  std::expected<void, compile_error> on_slot(const parsed_slot& slot) {
    const std::size_t at = slot.begin;
    switch (st_) {
      case state::data:
      case state::rcdata:
        plan_.escapings.push_back(escaping::html_text);
        return {};
      case state::rawtext:
        return fail(at, fmt::format("merge field not allowed inside <{}>", raw_end_));
      case state::tag_open:
      case state::end_tag_open:
      case state::tag_name:
        return fail(at, "merge field not allowed in a tag name");
      case state::before_attr_name:
      case state::attr_name:
      case state::after_attr_name:
      case state::after_attr_value_quoted:
      case state::self_closing_start:
        return fail(at, "merge field not allowed as an attribute name (put it in a quoted attribute value)");
      case state::comment:
        return fail(at, "merge field not allowed inside an HTML comment");
      case state::conditional_open:
        return fail(at, "merge field not allowed in a conditional comment's condition");
      case state::bogus_comment:
        return fail(at, "merge field not allowed inside <!...> or <?...>");
      case state::before_attr_value:
        begin_value(state::attr_value_unquoted, at);
        [[fallthrough]];
      case state::attr_value_dq:
      case state::attr_value_sq:
      case state::attr_value_unquoted:
        return value_slot(slot);
    }
    return {};
  }

  std::expected<void, compile_error> value_slot(const parsed_slot& slot) {
    if (kind_ == attr_kind::forbidden) {
      const char* why = attr_ == "style" ? "a style attribute (CSS)"
                        : attr_ == "srcdoc" ? "a srcdoc attribute (HTML)"
                                            : "an event handler attribute (script)";
      return fail(slot.begin, fmt::format("merge field not allowed in the {} attribute: {}", attr_, why));
    }
    escaping e = escaping::html_attribute;
    if (kind_ == attr_kind::url)
      e = (!value_has_text_ && !value_has_slot_) ? escaping::url : escaping::url_component;
    else if (kind_ == attr_kind::url_list)
      e = escaping::url_component;
    plan_.escapings.push_back(e);
    value_has_slot_ = true;
    if (st_ == state::attr_value_unquoted && !quote_rewrite_) {
      // First slot of an unquoted value: quote the whole value. The literal
      // part before the slot may hold '"' (allowed unquoted), which now needs
      // escaping; the closing quote goes where the value ends.
      quote_rewrite_ = true;
      plan_.edits.push_back({value_start_, false, "\""});
      for (std::size_t q = value_start_; q < slot.begin; ++q)
        if (s_[q] == '"') plan_.edits.push_back({q, true, "&quot;"});
    }
    return {};
  }

  std::string_view s_;
  std::span<const parsed_slot> slots_;
  html_plan plan_;
  state st_ = state::data;
  std::string tag_;      // current tag name, lower-cased
  bool end_tag_ = false;
  std::string raw_end_;  // element whose RCDATA/raw text we are in
  std::string attr_;     // current attribute name, lower-cased
  attr_kind kind_ = attr_kind::plain;
  std::size_t value_start_ = 0;
  bool value_has_text_ = false;  // a non-space literal byte in the current value so far
  bool value_has_slot_ = false;
  bool quote_rewrite_ = false;   // the current unquoted value is being quoted
};

}  // namespace

std::expected<html_plan, compile_error> plan_html(std::string_view src, std::span<const parsed_slot> slots) {
  return scanner(src, slots).run();
}

}  // namespace kizuna::personalize
