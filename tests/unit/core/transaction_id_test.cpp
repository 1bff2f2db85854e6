// Transaction ids never repeat within a process (the counter); across
// processes started in the same second (the random component) is shown end to
// end by tests/integration/test_unique_ids.py.
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "relay/core/transaction_id.hpp"

using kizuna::make_transaction_id;

namespace {

bool hex24(const std::string& id) {
  if (id.size() != 24) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transaction_id)

BOOST_AUTO_TEST_CASE(ids_are_24_hex_digits_and_distinct_within_a_process) {
  std::set<std::string> seen;
  for (int i = 0; i < 200000; ++i) {
    const std::string id = make_transaction_id();
    BOOST_TEST_REQUIRE(hex24(id), id);
    BOOST_TEST_REQUIRE(seen.insert(id).second, "repeated " << id);
  }
}

BOOST_AUTO_TEST_CASE(ids_sort_by_time) {
  const std::string a = make_transaction_id();
  const std::string b = make_transaction_id();
  BOOST_TEST(a.substr(0, 8) <= b.substr(0, 8));
}

BOOST_AUTO_TEST_SUITE_END()
