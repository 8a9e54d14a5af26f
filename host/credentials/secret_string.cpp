#include "credentials/secret_string.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

namespace smoops::credentials {
namespace {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

SecretString::SecretString(std::string_view bytes) { append(bytes); }

SecretString::~SecretString() { sodium_free(data_); }  // sodium_free wipes before it unmaps

SecretString::SecretString(SecretString&& other) noexcept
    : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.size_ = other.capacity_ = 0;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    sodium_free(data_);
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void SecretString::reserve(std::size_t capacity) {
  if (capacity <= capacity_) return;
  ensure_sodium();
  const std::size_t grown = std::max<std::size_t>({capacity, capacity_ * 2, 64});
  auto* fresh = static_cast<char*>(sodium_malloc(grown));
  if (fresh == nullptr) throw std::bad_alloc();
  std::memset(fresh, 0, grown);
  if (size_ > 0) std::memcpy(fresh, data_, size_);
  sodium_free(data_);
  data_ = fresh;
  capacity_ = grown;
}

void SecretString::push_back(char byte) {
  reserve(size_ + 1);
  data_[size_++] = byte;
}

void SecretString::append(std::string_view bytes) {
  if (bytes.empty()) return;
  reserve(size_ + bytes.size());
  std::memcpy(data_ + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void SecretString::pop_back() {
  if (size_ == 0) return;
  data_[--size_] = 0;
}

void SecretString::clear() {
  if (data_ != nullptr) sodium_memzero(data_, capacity_);
  size_ = 0;
}

void SecretString::resize(std::size_t size) {
  reserve(size);
  if (size < size_) sodium_memzero(data_ + size, size_ - size);
  size_ = size;
}

bool equal(const SecretString& a, const SecretString& b) {
  return a.size() == b.size() && (a.size() == 0 || sodium_memcmp(a.reveal().data(), b.reveal().data(), a.size()) == 0);
}

}  // namespace smoops::credentials
