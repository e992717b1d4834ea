// A stream entry's id (ms-seq) as Redis 7.0 orders, prints and encodes it.
//
// Thread affinity: none (a plain value).
#ifndef BAZAAR_ENGINE_CORE_STREAM_ID_H_
#define BAZAAR_ENGINE_CORE_STREAM_ID_H_

#include <cstdint>
#include <string>

namespace bazaar::engine::core {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The next / previous id; false (and no change) at the end of the id space.
  bool Increment();
  bool Decrement();
  std::string ToString() const;
  // The 16-byte key Redis's radix tree orders ids by (RDB node keys): ms then seq, big-endian.
  std::string Key() const;

  friend bool operator<(const StreamId& a, const StreamId& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
  }
  friend bool operator==(const StreamId& a, const StreamId& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  friend bool operator!=(const StreamId& a, const StreamId& b) { return !(a == b); }
  friend bool operator<=(const StreamId& a, const StreamId& b) { return !(b < a); }
  friend bool operator>(const StreamId& a, const StreamId& b) { return b < a; }
  friend bool operator>=(const StreamId& a, const StreamId& b) { return !(a < b); }
};

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_STREAM_ID_H_
