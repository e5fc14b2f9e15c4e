#include "core/base64.hpp"

#include <openssl/evp.h>

namespace sluice::core {

void append_base64(std::string* out, std::string_view data) {
  size_t start = out->size();
  // EVP_EncodeBlock writes a terminating NUL after the 4/3 expansion.
  out->resize(start + 4 * ((data.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out->data() + start),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out->resize(start + static_cast<size_t>(n));
}

std::string base64_encode(std::string_view data) {
  std::string out;
  append_base64(&out, data);
  return out;
}

bool base64_decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) {
    return false;
  }
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  // EVP_DecodeBlock skips leading and trailing blanks and accepts '=' anywhere
  // in the last group: sluice accepts only the canonical form.
  for (size_t i = 0; i + padding < text.size(); ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) {
      return false;
    }
  }
  out->resize(text.size() / 4 * 3 + 1);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) {
    out->clear();
    return false;
  }
  // EVP_DecodeBlock counts the bytes the padding stands for.
  out->resize(static_cast<size_t>(n) - padding);
  return true;
}

} // namespace sluice::core
