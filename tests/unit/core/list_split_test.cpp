#include "core/list_split.hpp"

#include <catch2/catch.hpp>

namespace sluice::core {
namespace {

using List = std::vector<std::string>;

List split(std::string_view text) {
  List out;
  std::string why;
  INFO(text);
  REQUIRE(split_list(text, &out, &why));
  return out;
}

std::string split_error(std::string_view text) {
  List out;
  std::string why;
  INFO(text);
  CHECK_FALSE(split_list(text, &out, &why));
  CHECK_FALSE(why.empty());
  return why;
}

TEST_CASE("list split splits at top-level commas", "[core][list_split]") {
  CHECK(split("a") == List{"a"});
  CHECK(split("a,b") == List{"a", "b"});
  CHECK(split("a.b,c.d,e") == List{"a.b", "c.d", "e"});
}

TEST_CASE("list split keeps commas inside brackets and quotes", "[core][list_split]") {
  CHECK(split("b[\"x,y\"],c") == List{"b[\"x,y\"]", "c"});
  CHECK(split("a[0],b") == List{"a[0]", "b"});
  CHECK(split("a['x,y'],b") == List{"a['x,y']", "b"});
  CHECK(split("a[\"x\\\",y\"],b") == List{"a[\"x\\\",y\"]", "b"});
  CHECK(split("a[\"]\"],b") == List{"a[\"]\"]", "b"});
  CHECK(split("a[\"it's\"],b") == List{"a[\"it's\"]", "b"});
  CHECK(split("m[0][1],n[*].x") == List{"m[0][1]", "n[*].x"});
  CHECK(split("\"a,b\"") == List{"\"a,b\""});
}

TEST_CASE("list split rejects unbalanced brackets and quotes", "[core][list_split]") {
  CHECK(split_error("a[0,b").find("unterminated '['") != std::string::npos);
  CHECK(split_error("a],b").find("unbalanced ']'") != std::string::npos);
  CHECK(split_error("a[\"x,b").find("unterminated quote") != std::string::npos);
  CHECK(split_error("a['x").find("unterminated quote") != std::string::npos);
  split_error("a[\"x\\\"]");
}

TEST_CASE("list split rejects empty items", "[core][list_split]") {
  for (std::string_view bad : {"", ",", "a,,b", ",a", "a,"}) {
    CHECK(split_error(bad).find("empty item") != std::string::npos);
  }
}

TEST_CASE("list split joins every occurrence of a repeated flag in order", "[core][list_split]") {
  List out;
  std::string why;
  REQUIRE(split_lists({"a,b[\"x,y\"]", "c", "d,e"}, &out, &why));
  CHECK(out == List{"a", "b[\"x,y\"]", "c", "d", "e"});
  List bad;
  CHECK_FALSE(split_lists({"a", "b,,c"}, &bad, &why));
  CHECK(why.find("empty item") != std::string::npos);
}

} // namespace
} // namespace sluice::core
