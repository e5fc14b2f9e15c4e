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
