#pragma once
// A secret held in locked memory: sodium_malloc'd (guard pages, mlock'ed, MADV_DONTDUMP so it is
// left out of core dumps), wiped when it is dropped, never copied, and with no operator<< or fmt
// formatter, so it cannot end up in a log line or a message by accident.

#include <cstddef>
#include <string_view>

namespace smoops::credentials {

/// Bytes of a secret (an API secret, a passphrase, a key) in locked, wiped-on-destruction memory.
class SecretString {
 public:
  SecretString() = default;
  /// A copy of `bytes` (the caller wipes its own copy).
  explicit SecretString(std::string_view bytes);
  ~SecretString();
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  /// Appends one byte, growing the locked buffer (the old one is wiped).
  void push_back(char byte);
  /// Appends bytes.
  void append(std::string_view bytes);
  /// Drops the last byte (no-op when empty).
  void pop_back();
  /// Wipes and empties it.
  void clear();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// The secret itself. Named so that every place that looks at it is easy to find.
  std::string_view reveal() const { return {data_, size_}; }
  /// Writable bytes, for filling it in place (resize first).
  char* data() { return data_; }
  /// Sets the size to `size` bytes (new bytes are zero).
  void resize(std::size_t size);

 private:
  void reserve(std::size_t capacity);

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// True when a and b hold the same bytes (in constant time for equal sizes).
bool equal(const SecretString& a, const SecretString& b);

}  // namespace smoops::credentials
