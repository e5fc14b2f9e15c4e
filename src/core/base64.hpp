// Base64 (RFC 4648, with padding) for bytes that JSON cannot carry as text:
// dead letters of binary lines, Kafka values, keys and headers that are not
// UTF-8. OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock do the work.
// Pure functions; thread-safe; never throw except std::bad_alloc.
#pragma once

#include <string>
#include <string_view>

namespace sluice::core {

// Appends the base64 text of `data` to `out`.
void append_base64(std::string* out, std::string_view data);

std::string base64_encode(std::string_view data);

// Decodes padded base64 into `out` (replacing its content); false when `text`
// is not base64 (a bad character, a length that is not a multiple of 4, or
// padding inside).
bool base64_decode(std::string_view text, std::string* out);

} // namespace sluice::core
