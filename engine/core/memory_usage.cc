#include "engine/core/memory_usage.h"

#include <string>

namespace bazaar::engine::core {
namespace {

// A std::string's heap block, none while it fits its inline buffer.
size_t StringHeap(const std::string& s) {
  return s.capacity() > 15 ? MallocBlock(s.capacity() + 1) : 0;
}

// A Dict's bucket array and entries; `extra(entry)` adds what an entry owns beyond itself.
template <typename V, typename F>
size_t DictBytes(const Dict<V>& dict, size_t samples, F&& extra) {
  using Entry = typename Dict<V>::Entry;
  size_t total = dict.bucket_count() ? MallocBlock(dict.bucket_count() * sizeof(Entry*)) : 0;
  if (dict.empty()) return total;
  size_t seen = 0, sampled_bytes = 0;
  uint64_t cursor = 0;
  do {
    cursor = dict.Scan(cursor, [&](const Entry& e) {
      if (samples != 0 && seen >= samples) return;
      ++seen;
      sampled_bytes += MallocBlock(sizeof(Entry)) + StringHeap(e.key) + extra(e);
    });
  } while (cursor != 0 && (samples == 0 || seen < samples));
  return total + sampled_bytes * dict.size() / seen;
}

size_t ValueBytes(const Value& v, size_t samples) {
  switch (v.type()) {
    case ValueType::kString:
      return StringHeap(v.str());
    case ValueType::kList:
      return MallocBlock(sizeof(ListValue)) + v.list().AllocatedBytes();
    case ValueType::kSet: {
      const SetValue& set = v.set();
      size_t bytes = MallocBlock(sizeof(SetValue));
      if (const SetValue::Table* table = set.table()) {
        return bytes + MallocBlock(sizeof(SetValue::Table)) +
               DictBytes(*table, samples, [](const SetValue::Table::Entry&) { return size_t{0}; });
      }
      const size_t blob = set.intset().heap_capacity();
      return bytes + (blob ? MallocBlock(blob) : 0);
    }
    case ValueType::kZSet: {
      if (v.zset().compact()) {
        const size_t blob = v.zset().listpack_capacity();
        return MallocBlock(sizeof(ZSetValue)) + (blob ? MallocBlock(blob) : 0);
      }
      return MallocBlock(sizeof(ZSetValue)) +
             DictBytes(v.zset().table(), samples, [](const ZSet::Entry&) { return size_t{0}; });
    }
    case ValueType::kHash: {
      const HashValue& h = v.hash();
      size_t bytes = MallocBlock(sizeof(HashValue));
      if (const HashValue::Table* table = h.table()) {
        return bytes + DictBytes(*table, samples, [](const HashValue::Table::Entry& e) {
                 return StringHeap(e.value);
               });
      }
      return bytes + (h.packed_capacity() ? MallocBlock(h.packed_capacity()) : 0);
    }
    case ValueType::kStream:
      return MallocBlock(sizeof(StreamValue)) + v.stream().AllocatedBytes();
  }
  return 0;
}

}  // namespace

size_t MallocBlock(size_t n) {
  const size_t chunk = (n + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
}

size_t MemoryUsage(std::string_view key, const Value& value, size_t samples) {
  // The keyspace's entry (which holds the value object) and the key's own heap block.
  const size_t entry = MallocBlock(sizeof(Dict<Value>::Entry));
  const size_t key_heap = key.size() > 15 ? MallocBlock(key.size() + 1) : 0;
  return entry + key_heap + ValueBytes(value, samples);
}

}  // namespace bazaar::engine::core
