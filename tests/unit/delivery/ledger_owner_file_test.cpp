// ledger_owner_file: the lock says whether the previous kizuna on a state_dir has
// exited, and the file names it, so its ledger reservations can be freed at once.
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "relay/delivery/ledger_owner_file.hpp"
#include "tests/support/temp_dir.hpp"

using kizuna::delivery::claim_ledger_owner_file;

BOOST_AUTO_TEST_CASE(the_predecessor_is_named_once_its_lock_is_gone) {
  kizuna::test::temp_dir dir;
  {
    std::ofstream(dir.path() / "ledger.owner") << "mx1/00DEADBEEF\n";
  }
  // Nobody holds the lock: the previous owner has exited.
  auto previous = claim_ledger_owner_file(dir.path(), "mx1/0123456789");
  BOOST_TEST_REQUIRE(previous.has_value());
  BOOST_TEST(*previous == "mx1/00DEADBEEF");
  std::string written;
  std::getline(std::ifstream(dir.path() / "ledger.owner"), written);
  BOOST_TEST(written == "mx1/0123456789");
  // This process holds it now: another claimant (another kizuna) gets nothing and writes nothing.
  BOOST_TEST(!claim_ledger_owner_file(dir.path(), "mx1/AAAAAAAAAA").has_value());
  std::getline(std::ifstream(dir.path() / "ledger.owner"), written);
  BOOST_TEST(written == "mx1/0123456789");
}

BOOST_AUTO_TEST_CASE(a_first_start_has_no_predecessor) {
  kizuna::test::temp_dir dir;
  BOOST_TEST(!claim_ledger_owner_file(dir.path(), "mx1/0123456789").has_value());
}
