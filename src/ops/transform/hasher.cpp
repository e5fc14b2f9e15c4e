#include "ops/transform/hasher.hpp"

#include "core/error.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace sluice::ops::transform {

struct Hasher::Impl {
  EVP_MAC *mac = nullptr;
  EVP_MAC_CTX *mac_ctx = nullptr;
  EVP_MD *md = nullptr;
  EVP_MD_CTX *md_ctx = nullptr;

  ~Impl() {
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
    EVP_MD_CTX_free(md_ctx);
    EVP_MD_free(md);
  }
};

namespace {

[[noreturn]] void fail(const char *what) {
  throw core::Error(core::ExitCode::internal, std::string("OpenSSL: ") + what);
}

} // namespace

Hasher::Hasher(std::string_view key) : m_impl(std::make_unique<Impl>()) {
  if (key.empty()) {
    m_impl->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    m_impl->md_ctx = EVP_MD_CTX_new();
    if (m_impl->md == nullptr || m_impl->md_ctx == nullptr) {
      fail("SHA-256 is not available");
    }
    return;
  }
  m_impl->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  m_impl->mac_ctx = m_impl->mac != nullptr ? EVP_MAC_CTX_new(m_impl->mac) : nullptr;
  if (m_impl->mac_ctx == nullptr) {
    fail("HMAC is not available");
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(m_impl->mac_ctx, reinterpret_cast<const unsigned char *>(key.data()), key.size(),
                   params) != 1) {
    fail("cannot set the HMAC key");
  }
}

Hasher::~Hasher() = default;

void Hasher::append_hex(std::string_view data, std::string *out) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t length = 0;
  const auto *bytes = reinterpret_cast<const unsigned char *>(data.data());
  if (m_impl->mac_ctx != nullptr) {
    // A null key starts a new message under the key already set.
    if (EVP_MAC_init(m_impl->mac_ctx, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(m_impl->mac_ctx, bytes, data.size()) != 1 ||
        EVP_MAC_final(m_impl->mac_ctx, digest, &length, sizeof digest) != 1) {
      fail("HMAC failed");
    }
  } else {
    unsigned int n = 0;
    if (EVP_DigestInit_ex(m_impl->md_ctx, m_impl->md, nullptr) != 1 ||
        EVP_DigestUpdate(m_impl->md_ctx, bytes, data.size()) != 1 ||
        EVP_DigestFinal_ex(m_impl->md_ctx, digest, &n) != 1) {
      fail("SHA-256 failed");
    }
    length = n;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  size_t at = out->size();
  out->resize(at + 2 * length);
  for (size_t i = 0; i < length; ++i) {
    (*out)[at + 2 * i] = k_hex[digest[i] >> 4];
    (*out)[at + 2 * i + 1] = k_hex[digest[i] & 0xf];
  }
}

} // namespace sluice::ops::transform
