#include "ops/transform/hasher.hpp"
#include "ops/transform/redactor.hpp"
#include "ops/transform/splice.hpp"

#include <catch2/catch.hpp>

namespace sluice::ops::transform {
namespace {

TEST_CASE("hasher computes HMAC-SHA256 as openssl dgst -hmac does", "[ops][transform][hasher]") {
  Hasher h("key");
  std::string out;
  h.append_hex("zoe@web.de", &out);
  CHECK(out == "4a6cbdb2110856d8ca792168d98cefe611c1c6391df7bb367770ff34bda99ab1");
  out.clear();
  h.append_hex("zoe@web.de", &out); // the key stays for the next message
  CHECK(out == "4a6cbdb2110856d8ca792168d98cefe611c1c6391df7bb367770ff34bda99ab1");
  Hasher plain("");
  out.clear();
  plain.append_hex("", &out);
  CHECK(out == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("redactor finds built-in patterns and checks cards with Luhn",
          "[ops][transform][redactor]") {
  std::unique_ptr<Redactor> card;
  std::string why;
  REQUIRE(Redactor::create("card", &card, &why));
  std::string out;
  CHECK(card->redact("pay 4111-1111-1111-1111 now", &out));
  CHECK(out == "pay [card] now");
  out.clear();
  CHECK_FALSE(card->redact("order 4111-1111-1111-1112", &out));
  CHECK(passes_luhn("79927398713"));
  CHECK_FALSE(passes_luhn("79927398710"));
  std::unique_ptr<Redactor> phone;
  REQUIRE(Redactor::create("phone", &phone, &why));
  auto redacted = [&](const char *text) {
    std::string r;
    return phone->redact(text, &r) ? r : std::string("(none)");
  };
  CHECK(redacted("call +33 1 23 45 67 89 now") == "call [phone] now");
  CHECK(redacted("(555) 123-4567") == "[phone]");
  CHECK(redacted("tel 555.123.4567, or") == "tel [phone], or");
  // Dates, times, addresses, long numbers and ids are not phone numbers.
  CHECK(redacted("2024-11-24 10:00:00") == "(none)");
  CHECK(redacted("2024-11-24T10:00:00Z") == "(none)");
  CHECK(redacted("on 24/11/2024") == "(none)");
  CHECK(redacted("192.168.100.200") == "(none)");
  CHECK(redacted("1732406400000") == "(none)");
  CHECK(redacted("4111 1111 1111 1111") == "(none)");
  CHECK(redacted("order A1234567") == "(none)");
  CHECK(redacted("1234567.89") == "(none)");
  CHECK(redacted("call 123") == "(none)");
  CHECK(redacted("5551234567") == "(none)");
  CHECK(redacted("+15551234567") == "[phone]");
  std::unique_ptr<Redactor> bad;
  CHECK_FALSE(Redactor::create("a(", &bad, &why));
  CHECK(why.rfind("invalid regular expression", 0) == 0);
}

TEST_CASE("splices keep the bytes between edits", "[ops][transform][splice]") {
  std::string text = R"({"a" : 1 , "b":[2, 3] ,"c":"x"})";
  std::vector<Removal> removals{{1, 8}};
  std::vector<Splice> splices;
  removal_splices(text, removals, &splices);
  size_t x = text.find("\"x\"");
  splices.push_back({x, x + 3, "\"y\""});
  std::string out;
  apply_splices(text, splices, &out);
  CHECK(out == R"({"b":[2, 3] ,"c":"y"})");
}

} // namespace
} // namespace sluice::ops::transform
