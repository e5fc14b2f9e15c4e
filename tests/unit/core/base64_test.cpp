#include "core/base64.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

TEST_CASE("base64 encodes the RFC 4648 test vectors", "[core][base64]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64 appends after what the buffer holds", "[core][base64]") {
  std::string out = "x:";
  append_base64(&out, std::string("\0\xff\x80", 3));
  CHECK(out == "x:AP+A");
}

TEST_CASE("base64 decodes what it encodes, binary and NUL bytes included", "[core][base64]") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  for (size_t len : {0, 1, 2, 3, 4, 5, 255, 256}) {
    std::string in = bytes.substr(0, len);
    std::string back = "junk";
    REQUIRE(base64_decode(base64_encode(in), &back));
    CHECK(back == in);
  }
}

TEST_CASE("base64 rejects text that is not canonical base64", "[core][base64]") {
  std::string out;
  CHECK_FALSE(base64_decode("Zg=", &out));  // length not a multiple of 4
  CHECK_FALSE(base64_decode("Z===", &out)); // too much padding
  CHECK_FALSE(base64_decode("Zm9v!A==", &out));
  CHECK_FALSE(base64_decode(" Zm9", &out));     // blanks are not skipped
  CHECK_FALSE(base64_decode("Zg==Zg==", &out)); // padding inside
  CHECK(base64_decode("Zm9vYmE=", &out));
  CHECK(out == "fooba");
}

} // namespace
} // namespace sluice::core
