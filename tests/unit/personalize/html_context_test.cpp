#include <boost/test/unit_test.hpp>

#include "map_source.hpp"

#include <string>

using namespace kizuna::personalize;
using kizuna::personalize::testing::map_source;
using kizuna::personalize::testing::must_compile;
using kizuna::personalize::testing::render_with;

namespace {

escaping escaping_of(std::string_view html) {
  const auto t = must_compile(html, context::html);
  BOOST_REQUIRE(t.slots().size() == 1u);
  return t.slots()[0].esc;
}

compile_error html_error(std::string_view html) {
  auto t = compile(html, context::html);
  if (t) BOOST_FAIL("expected a compile error for: " << html);
  return t.error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(slot_escaping_follows_where_it_falls) {
  struct row {
    std::string_view html;
    escaping e;
  };
  for (const row& r : {
           row{"<p>{{x}}</p>", escaping::html_text},
           row{"{{x}}", escaping::html_text},
           row{"a < {{x}}", escaping::html_text},
           row{"<title>{{x}}</title>", escaping::html_text},
           row{"<textarea><b>{{x}}</textarea>", escaping::html_text},
           row{"<script>1</script>{{x}}", escaping::html_text},
           row{"<style>p{}</STYLE >{{x}}", escaping::html_text},
           row{"<!-- c -->{{x}}", escaping::html_text},
           row{"<!DOCTYPE html>{{x}}", escaping::html_text},
           row{"<p title=\"{{x}}\">", escaping::html_attribute},
           row{"<p title='a {{x}}'>", escaping::html_attribute},
           row{"<p title={{x}}>", escaping::html_attribute},
           row{"<p data-x = \"{{x}}\" >", escaping::html_attribute},
           row{"<img alt=\"\" srcset=\"{{x}}\">", escaping::url},
           row{"<meta name=\"x\" value=\"{{x}}\">", escaping::html_attribute},
           row{"<p to=\"{{x}}\">", escaping::html_attribute},
           row{"<p values=\"{{x}}\">", escaping::html_attribute},
           row{"<a href=\"{{x}}\">", escaping::url},
           row{"<a HREF=' {{x}} '>", escaping::url},
           row{"<a href={{x}}>", escaping::url},
           row{"<a href=\"{{x}}?utm=1\">", escaping::url},
           row{"<img src=\"https://img.example/{{x}}.png\">", escaping::url_component},
           row{"<form action=\"/s?{{x}}\">", escaping::url_component},
           row{"<button formaction=\"{{x}}\">", escaping::url},
           row{"<q cite=\"{{x}}\">", escaping::url},
           row{"<video poster=\"{{x}}\">", escaping::url},
           row{"<td background=\"{{x}}\">", escaping::url},
           row{"<a xlink:href=\"{{x}}\">", escaping::url},
           row{"<!--[if mso]><v:roundrect href=\"{{x}}\"><![endif]-->", escaping::url},
           row{"<!--[if mso]><p>x</p><![endif]-->{{x}}", escaping::html_text},
           row{"<!--[if !mso]><!--><p>{{x}}</p><!--<![endif]-->", escaping::html_text},
       }) {
    BOOST_TEST((escaping_of(r.html) == r.e), r.html << " -> " << to_string(escaping_of(r.html)));
  }
}

BOOST_AUTO_TEST_CASE(every_url_bearing_attribute_takes_url_escaping) {
  // Each attribute that holds a URL a client may load or follow (template.hpp
  // lists them): a slot starting its value is a url, a later one a component.
  for (const std::string_view tag_attr : {
           "a href", "img src", "form action", "button formaction", "q cite", "video poster", "td background",
           "use xlink:href", "svg xml:base", "object data", "object codebase", "object classid", "object archive",
           "img longdesc", "img usemap", "img lowsrc", "img dynsrc", "a ping", "html manifest", "head profile",
           "command icon", "source srcset", "img srcset", "link imagesrcset", "meta content", "set to",
           "animate from", "animate by", "animateMotion to", "animateTransform from", "animateColor to",
           "OBJECT DATA", "Meta Content"}) {
    const std::size_t sp = tag_attr.find(' ');
    const std::string tag(tag_attr.substr(0, sp)), attr(tag_attr.substr(sp + 1));
    BOOST_TEST_CONTEXT(tag_attr) {
      BOOST_TEST((escaping_of("<" + tag + " " + attr + "=\"{{x}}\">") == escaping::url));
      BOOST_TEST((escaping_of("<" + tag + " " + attr + "={{x}}>") == escaping::url));
      BOOST_TEST((escaping_of("<" + tag + " " + attr + "=\"https://e.example/{{x}}\">") == escaping::url_component));
    }
  }
  // values= lists URLs separated by ';', which url escaping keeps: always a component.
  BOOST_TEST((escaping_of("<animate attributeName=\"href\" values=\"{{x}}\">") == escaping::url_component));
  BOOST_TEST((escaping_of("<set attributeName=\"href\" values=\"{{x}}\">") == escaping::url_component));
}

BOOST_AUTO_TEST_CASE(javascript_from_contact_data_is_neutralized_in_every_url_attribute) {
  // The issue's cases: <object data>, <meta http-equiv=refresh content=...url=>, srcset.
  const map_source v{{"contact.x", "javascript:alert(1)"},
                     {"contact.img", "https://cdn.example/a.png 1x, javascript:alert(1) 2x"},
                     {"contact.ok", "https://cdn.example/a.png"}};
  BOOST_TEST(render_with("<object data=\"{{x}}\"></object>", context::html, v) == "<object data=\"#\"></object>");
  BOOST_TEST(render_with("<meta http-equiv=\"refresh\" content=\"{{x}}\">", context::html, v) ==
             "<meta http-equiv=\"refresh\" content=\"#\">");
  BOOST_TEST(render_with("<meta http-equiv=\"refresh\" content=\"0;url={{x}}\">", context::html, v) ==
             "<meta http-equiv=\"refresh\" content=\"0;url=javascript%3Aalert%281%29\">");
  BOOST_TEST(render_with("<meta content=\"0; URL={{x}}\" http-equiv=\"Refresh\">", context::html, v) ==
             "<meta content=\"0; URL=javascript%3Aalert%281%29\" http-equiv=\"Refresh\">");
  BOOST_TEST(render_with("<img srcset=\"{{x}}\">", context::html, v) == "<img srcset=\"#\">");
  BOOST_TEST(render_with("<set attributeName=\"href\" to=\"{{x}}\"/>", context::html, v) ==
             "<set attributeName=\"href\" to=\"#\"/>");
  BOOST_TEST(render_with("<animate attributeName=\"href\" values=\"https://e.example/;{{x}}\"/>", context::html, v) ==
             "<animate attributeName=\"href\" values=\"https://e.example/;javascript%3Aalert%281%29\"/>");
  BOOST_TEST(render_with("<svg xml:base=\"{{x}}\">", context::html, v) == "<svg xml:base=\"#\">");
  // A slot starting a srcset stays one URL (whitespace %-encoded): it cannot
  // start a second candidate; a later slot cannot bring a scheme (':' ','
  // and spaces %-encoded).
  BOOST_TEST(render_with("<img srcset=\"{{img}} 2x\">", context::html, v) ==
             "<img srcset=\"https://cdn.example/a.png%201x,%20javascript:alert(1)%202x 2x\">");
  BOOST_TEST(render_with("<img srcset=\"https://cdn.example/a.png 1x, {{x}} 2x\">", context::html, v) ==
             "<img srcset=\"https://cdn.example/a.png 1x, javascript%3Aalert%281%29 2x\">");
  BOOST_TEST(render_with("<img srcset=\"https://cdn.example/b.png 1x,{{img}}\">", context::html, v) ==
             "<img srcset=\"https://cdn.example/b.png 1x,"
             "https%3A%2F%2Fcdn.example%2Fa.png%201x%2C%20javascript%3Aalert%281%29%202x\">");
  BOOST_TEST(render_with("<source srcset=\"{{ok}}\">", context::html, v) == "<source srcset=\"https://cdn.example/a.png\">");
  BOOST_TEST(render_with("<object data={{x}} type=\"text/html\">", context::html, v) ==
             "<object data=\"#\" type=\"text/html\">");
}

BOOST_AUTO_TEST_CASE(a_later_slot_in_a_url_value_is_a_component) {
  const auto t = must_compile("<a href=\"{{base}}{{path}}\">", context::html);
  BOOST_TEST((t.slots()[0].esc == escaping::url));
  BOOST_TEST((t.slots()[1].esc == escaping::url_component));
}

BOOST_AUTO_TEST_CASE(slots_where_no_escaping_is_safe_are_errors) {
  struct row {
    std::string_view html;
    std::string_view says;
  };
  for (const row& r : {
           row{"<script>var n = '{{x}}';</script>", "inside <script>"},
           row{"<SCRIPT type=\"text/javascript\">{{x}}", "inside <script>"},
           row{"<style>p { color: {{x}} }</style>", "inside <style>"},
           row{"<iframe>{{x}}</iframe>", "inside <iframe>"},
           row{"<plaintext></plaintext>{{x}}", "inside <plaintext>"},
           row{"<!-- {{x}} -->", "HTML comment"},
           row{"<!--[if {{x}}]>", "conditional comment"},
           row{"<!DOCTYPE {{x}}>", "<!...>"},
           row{"<![CDATA[{{x}}]]>", "<!...>"},
           row{"<{{x}}>", "tag name"},
           row{"<p{{x}}>", "tag name"},
           row{"</{{x}}>", "tag name"},
           row{"<p {{x}}>", "attribute name"},
           row{"<p {{x}}=\"1\">", "attribute name"},
           row{"<p a=\"1\"{{x}}>", "attribute name"},
           row{"<p ={{x}}>", "attribute name"},
           row{"<p a {{x}}>", "attribute name"},
           row{"<br/{{x}}>", "attribute name"},
           row{"<a onclick=\"go('{{x}}')\">", "event handler"},
           row{"<body onload={{x}}>", "event handler"},
           row{"<p style=\"color: {{x}}\">", "style attribute"},
           row{"<iframe srcdoc=\"{{x}}\">", "srcdoc"},
       }) {
    const auto e = html_error(r.html);
    BOOST_TEST(e.message.find(r.says) != std::string::npos, r.html << " -> " << e.message);
    BOOST_TEST(e.offset == r.html.find("{{"), r.html);
  }
}

BOOST_AUTO_TEST_CASE(company_with_markup_in_text_is_escaped) {
  const map_source v{{"contact.company", "<script>alert(1)</script>"}};
  BOOST_TEST(render_with("<p>{{company}} 御中</p>", context::html, v) ==
             "<p>&lt;script&gt;alert(1)&lt;/script&gt; 御中</p>");
}

BOOST_AUTO_TEST_CASE(quote_in_a_url_value_stays_inside_the_url) {
  const map_source v{{"contact.id", "1\" onmouseover=\"alert(1)"}};
  const std::string out = render_with("<a href=\"https://e.example/r?id={{id}}\" class=\"b\">x</a>", context::html, v);
  BOOST_TEST(out == "<a href=\"https://e.example/r?id=1%22%20onmouseover%3D%22alert%281%29\" class=\"b\">x</a>");
}

BOOST_AUTO_TEST_CASE(quote_in_an_attribute_cannot_add_attributes) {
  const map_source v{{"contact.x", "a\" onclick='alert(1)' b=\""}};
  BOOST_TEST(render_with("<p title=\"{{x}}\">", context::html, v) ==
             "<p title=\"a&quot; onclick=&#39;alert(1)&#39; b=&quot;\">");
  BOOST_TEST(render_with("<p title='{{x}}'>", context::html, v) ==
             "<p title='a&quot; onclick=&#39;alert(1)&#39; b=&quot;'>");
}

BOOST_AUTO_TEST_CASE(a_whole_url_value_needs_an_allowed_scheme) {
  struct row {
    std::string_view value, out;
  };
  for (const row& r : {
           row{"javascript:alert(1)", "#"},
           row{"JavaScript:alert(1)", "#"},
           row{" \t javascript:alert(1)", "#"},
           row{"java\tscript:alert(1)", "#"},
           row{"java\nscript:alert(1)", "#"},
           row{"vbscript:x", "#"},
           row{"data:text/html;base64,PHNjcmlwdD4=", "#"},
           row{"//evil.example/", "#"},
           row{"/relative", "#"},
           row{"", "#"},
           row{"https://e.example/u?a=1&b='2'", "https://e.example/u?a=1&amp;b=&#39;2&#39;"},
           row{"HTTP://E.example/", "HTTP://E.example/"},
           row{" https://e.example/a b\"<>\r\n ", "https://e.example/a%20b%22%3C%3E"},
           row{"https://e.example/a\r\nb", "https://e.example/a%0D%0Ab"},
           row{"mailto:unsubscribe+t0k@e.example?subject=unsubscribe", "mailto:unsubscribe+t0k@e.example?subject=unsubscribe"},
           row{"https://例え.jp/パス", "https://%E4%BE%8B%E3%81%88.jp/%E3%83%91%E3%82%B9"},
       }) {
    const map_source v{{"unsubscribe_url", std::string(r.value)}};
    BOOST_TEST(render_with("<a href=\"{{unsubscribe_url}}\">", context::html, v) ==
                   "<a href=\"" + std::string(r.out) + "\">",
               r.value);
  }
}

BOOST_AUTO_TEST_CASE(scheme_of_a_url_with_a_leading_literal_cannot_change) {
  const map_source v{{"contact.p", "javascript:alert(1)"}};
  BOOST_TEST(render_with("<a href=\"https://e.example/{{p}}\">", context::html, v) ==
             "<a href=\"https://e.example/javascript%3Aalert%281%29\">");
  // A later slot cannot supply the scheme when the first one is empty.
  const map_source w{{"contact.a", ""}, {"contact.b", "javascript:alert(1)"}};
  BOOST_TEST(render_with("<a href=\"{{a}}{{b}}\">", context::html, w) == "<a href=\"#javascript%3Aalert%281%29\">");
}

BOOST_AUTO_TEST_CASE(unquoted_attribute_values_with_a_slot_are_quoted) {
  const map_source v{{"contact.x", "a b=c"}, {"contact.e", ""}, {"unsubscribe_url", "https://u.example/t"}};
  BOOST_TEST(render_with("<p title={{x}} id=i>", context::html, v) == "<p title=\"a b=c\" id=i>");
  BOOST_TEST(render_with("<p title={{e}} id=i>", context::html, v) == "<p title=\"\" id=i>");
  BOOST_TEST(render_with("<p title=x\"{{x}}y>", context::html, v) == "<p title=\"x&quot;a b=cy\">");
  BOOST_TEST(render_with("<a href={{unsubscribe_url}}>u</a>", context::html, v) ==
             "<a href=\"https://u.example/t\">u</a>");
  BOOST_TEST(render_with("<p title={{x}}", context::html, v) == "<p title=\"a b=c\"");
  BOOST_TEST(render_with("<p title=\"{{x}}\" a=b\"c>", context::html, v) == "<p title=\"a b=c\" a=b\"c>");
}

BOOST_AUTO_TEST_CASE(value_cannot_close_an_outlook_conditional_comment) {
  const map_source v{{"contact.x", "--><script>alert(1)</script>"}};
  BOOST_TEST(render_with("<!--[if mso]><p>{{x}}</p><![endif]-->", context::html, v) ==
             "<!--[if mso]><p>--&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p><![endif]-->");
}

BOOST_AUTO_TEST_CASE(value_cannot_end_a_title_or_textarea) {
  const map_source v{{"contact.x", "</title><script>x</script>"}};
  BOOST_TEST(render_with("<title>{{x}}</title>", context::html, v) ==
             "<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>");
}

BOOST_AUTO_TEST_CASE(braces_in_script_that_are_not_slots_are_fine) {
  const auto t = must_compile("<script>if (a) {{ b(); }}</script><p>{{x}}</p>", context::html);
  BOOST_TEST(t.slots().size() == 1u);
}
