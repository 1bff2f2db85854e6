#include <boost/test/unit_test.hpp>

#include "relay/personalize/company.hpp"

#include <string>

using kizuna::personalize::normalize_company;

namespace {
struct row {
  std::string_view in, out;
};

const row table[] = {
    // 前株: every spelling of the marker before the name
    {"(株)ベーシック", "株式会社ベーシック"},
    {"（株）ベーシック", "株式会社ベーシック"},
    {"(株）ベーシック", "株式会社ベーシック"},
    {"㈱ベーシック", "株式会社ベーシック"},
    {"㍿ベーシック", "株式会社ベーシック"},
    {"株式会社ベーシック", "株式会社ベーシック"},
    {"株式会社　ベーシック", "株式会社ベーシック"},
    {"(株) ベーシック", "株式会社ベーシック"},
    // 後株
    {"ベーシック(株)", "ベーシック株式会社"},
    {"ベーシック（株）", "ベーシック株式会社"},
    {"ベーシック ㈱", "ベーシック株式会社"},
    {"ベーシック　株式会社", "ベーシック株式会社"},
    // 有限会社
    {"(有)山田商店", "有限会社山田商店"},
    {"（有）山田商店", "有限会社山田商店"},
    {"㈲山田商店", "有限会社山田商店"},
    {"山田商店(有)", "山田商店有限会社"},
    {"有限会社 山田商店", "有限会社山田商店"},
    // 合同会社 and the others
    {"(同)テック", "合同会社テック"},
    {"テック（同）", "テック合同会社"},
    {"合同会社　テック", "合同会社テック"},
    {"(資)丸一", "合資会社丸一"},
    {"㈾丸一", "合資会社丸一"},
    {"(名)丸二", "合名会社丸二"},
    {"㈴丸二", "合名会社丸二"},
    // full-width ASCII and spaces
    {"（株）ＡＢＣホールディングス", "株式会社ABCホールディングス"},
    {"ＡＢＣ　Ｊａｐａｎ　（株）", "ABC Japan株式会社"},
    {"株式会社ｅｘａｍｐｌｅ１２３", "株式会社example123"},
    {"  Ｐ＆Ｇ   Japan  ", "P&G Japan"},
    {"\t(株)\u00a0ベーシック\r\n", "株式会社ベーシック"},
    {"ベーシック（東京）", "ベーシック(東京)"},
    // markers elsewhere and nothing to do
    {"ベーシック(株)東京支店", "ベーシック株式会社東京支店"},
    {"ベーシック", "ベーシック"},
    {"", ""},
    {"　", ""},
    {"(株", "(株"},
    {"( 株 )", "( 株 )"},
    {"株式", "株式"},
};
}  // namespace

BOOST_AUTO_TEST_CASE(company_normalizer_table) {
  for (const row& r : table) BOOST_TEST(normalize_company(r.in) == r.out, r.in);
}

BOOST_AUTO_TEST_CASE(company_normalizer_is_idempotent) {
  for (const row& r : table) {
    const std::string once = normalize_company(r.in);
    BOOST_TEST(normalize_company(once) == once, r.in);
  }
  for (std::string_view tricky : {"(株 )", "株式 (株)", "(株式会社)", "( 株式会社 )", "合同 (同)", "株式㈱会社",
                                  "(株)(有)(同)", "a  (株)  b  c", "（ 株 ）"}) {
    const std::string once = normalize_company(tricky);
    BOOST_TEST(normalize_company(once) == once, tricky);
  }
}

BOOST_AUTO_TEST_CASE(company_forms_of_one_name_render_alike) {
  const std::string expected = normalize_company("株式会社ベーシック");
  for (std::string_view in : {"(株)ベーシック", "（株）ベーシック", "㈱ベーシック", "株式会社 ベーシック",
                              "株式会社　ベーシック"})
    BOOST_TEST(normalize_company(in) == expected, in);
}

BOOST_AUTO_TEST_CASE(company_passes_invalid_utf8_through) {
  const std::string bad = "\xff\xfe(株)";
  BOOST_TEST(normalize_company(bad) == "\xff\xfe株式会社");
}
