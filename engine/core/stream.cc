#include "engine/core/stream.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "engine/core/memory_usage.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::core {
namespace {

// Redis's stream entry flags.
constexpr int64_t kFlagSameFields = 2;
// A listpack's header (total bytes, element count) and end byte.
constexpr size_t kListpackOverhead = 6 + 1;

void PutVarint(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

size_t GetVarint(std::string_view s, size_t* pos) {
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(s[(*pos)++]);
    n |= static_cast<size_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return n;
  }
}

// The listpack bytes of one entry appended to a node with first id `master`.
size_t EntryBytes(StreamId id, StreamId master, absl::Span<const std::string_view> fields,
                  bool same_fields) {
  const size_t pairs = fields.size() / 2;
  size_t bytes = ListpackIntSize(same_fields ? kFlagSameFields : 0) +
                 ListpackIntSize(static_cast<int64_t>(id.ms - master.ms)) +
                 ListpackIntSize(static_cast<int64_t>(id.seq - master.seq));
  if (!same_fields) bytes += ListpackIntSize(static_cast<int64_t>(pairs));
  for (size_t i = 0; i < fields.size(); ++i) {
    if (same_fields && i % 2 == 0) continue;
    bytes += ListpackStringSize(fields[i]);
  }
  const auto lp_count = static_cast<int64_t>(same_fields ? pairs + 3 : pairs * 2 + 4);
  return bytes + ListpackIntSize(lp_count);
}

bool SameFields(const std::vector<std::string>& master, absl::Span<const std::string_view> fields) {
  if (master.size() * 2 != fields.size()) return false;
  for (size_t i = 0; i < master.size(); ++i) {
    if (master[i] != fields[i * 2]) return false;
  }
  return true;
}

}  // namespace

bool StreamId::Increment() {
  if (seq != UINT64_MAX) return ++seq, true;
  if (ms == UINT64_MAX) return false;
  ++ms;
  seq = 0;
  return true;
}

bool StreamId::Decrement() {
  if (seq != 0) return --seq, true;
  if (ms == 0) return false;
  --ms;
  seq = UINT64_MAX;
  return true;
}

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

std::string StreamId::Key() const {
  std::string key(16, '\0');
  for (int b = 0; b < 8; ++b) {
    key[b] = static_cast<char>(ms >> (56 - 8 * b));
    key[8 + b] = static_cast<char>(seq >> (56 - 8 * b));
  }
  return key;
}

size_t StreamValue::Node::bytes() const {
  return bytes_without_counts + ListpackIntSize(static_cast<int64_t>(live)) +
         ListpackIntSize(static_cast<int64_t>(deleted));
}

std::string StreamValue::Pack(absl::Span<const std::string_view> strings) {
  size_t total = 0;
  for (std::string_view s : strings) total += s.size() + 1;
  std::string out;
  out.reserve(total);
  for (std::string_view s : strings) {
    PutVarint(out, s.size());
    out.append(s);
  }
  return out;
}

std::vector<std::string_view> StreamValue::Unpack(std::string_view packed) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < packed.size()) {
    const size_t n = GetVarint(packed, &pos);
    out.push_back(packed.substr(pos, n));
    pos += n;
  }
  return out;
}

void StreamValue::Append(StreamId id, absl::Span<const std::string_view> fields,
                         size_t node_max_bytes, size_t node_max_entries) {
  constexpr size_t kListpackMax = size_t{1} << 30;  // Redis's STREAM_LISTPACK_MAX_SIZE
  if (node_max_bytes == 0 || node_max_bytes > kListpackMax) node_max_bytes = kListpackMax;
  size_t raw_bytes = 0;
  for (std::string_view f : fields) raw_bytes += f.size();
  bool new_node = nodes_.empty();
  if (!new_node) {
    const Node& last = std::prev(nodes_.end())->second;
    new_node = last.bytes() + raw_bytes >= node_max_bytes ||
               (node_max_entries != 0 && last.live + last.deleted >= node_max_entries);
  }
  if (new_node) {
    Node node;
    node.bytes_without_counts = kListpackOverhead +
                                ListpackIntSize(static_cast<int64_t>(fields.size() / 2)) +
                                ListpackIntSize(0);  // the master entry's terminator
    for (size_t i = 0; i < fields.size(); i += 2) {
      node.master_fields.emplace_back(fields[i]);
      node.bytes_without_counts += ListpackStringSize(fields[i]);
    }
    nodes_.emplace(id, std::move(node));
  }
  auto last = std::prev(nodes_.end());
  Node& node = last->second;
  node.bytes_without_counts +=
      EntryBytes(id, last->first, fields, SameFields(node.master_fields, fields));
  ++node.live;
  node.last_id = id;
  entries_.emplace_hint(entries_.end(), id, Pack(fields));
  last_id_ = id;
  ++entries_added_;
}

bool StreamValue::Delete(StreamId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  auto node = std::prev(nodes_.upper_bound(id));
  --node->second.live;
  ++node->second.deleted;
  if (node->second.live == 0) nodes_.erase(node);
  return true;
}

uint64_t StreamValue::Trim(const StreamTrim& trim) {
  using Strategy = StreamTrim::Strategy;
  if (trim.strategy == Strategy::kNone) return 0;
  uint64_t removed = 0;
  while (!nodes_.empty()) {
    if (trim.strategy == Strategy::kMaxLen && size() <= trim.maxlen) break;
    auto node = nodes_.begin();
    const uint64_t live = node->second.live;
    if (trim.limit != 0 && removed + live > static_cast<uint64_t>(trim.limit)) break;
    const bool whole = trim.strategy == Strategy::kMaxLen ? size() - live >= trim.maxlen
                                                          : node->second.last_id < trim.minid;
    if (whole) {
      // A node's live entries are exactly the entries between its first id and the next's.
      auto next = std::next(node);
      entries_.erase(entries_.begin(),
                     next == nodes_.end() ? entries_.end() : entries_.lower_bound(next->first));
      removed += live;
      nodes_.erase(node);
      continue;
    }
    if (trim.approx) break;
    // Redis marks entries of this node deleted until the condition holds, then stops.
    uint64_t n = 0;
    auto it = entries_.begin();
    while (it != entries_.end() &&
           (trim.strategy == Strategy::kMaxLen ? size() > trim.maxlen : it->first < trim.minid)) {
      it = entries_.erase(it);
      ++n;
    }
    node->second.live -= n;
    node->second.deleted += n;
    removed += n;
    break;
  }
  return removed;
}

StreamGroup* StreamValue::FindGroup(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

int64_t StreamValue::EstimateEntriesRead(StreamId id) const {
  constexpr int64_t kUnknown = StreamGroup::kUnknownEntriesRead;
  const auto added = static_cast<int64_t>(entries_added_);
  if (entries_added_ == 0) return 0;
  if (size() == 0 && id <= last_id_) return added;
  if (id == last_id_) return added;
  if (id > last_id_) return kUnknown;
  // Without a deletion from the first entry on, ids before it are counted exactly.
  const StreamId first = first_id();
  if (max_deleted_id_ == StreamId{} || max_deleted_id_ < first) {
    if (id < first) return added - static_cast<int64_t>(size());
    if (id == first) return added - static_cast<int64_t>(size()) + 1;
  }
  return kUnknown;
}

bool StreamValue::MayHaveTombstonesFrom(StreamId start) const {
  if (size() == 0 || max_deleted_id_ == StreamId{}) return false;
  if (first_id() > max_deleted_id_) return false;
  return start <= max_deleted_id_;
}

void StreamValue::RecordGroupRead(StreamGroup& group, StreamId id) const {
  if (group.entries_read() != StreamGroup::kUnknownEntriesRead && !MayHaveTombstonesFrom(id)) {
    group.set_entries_read(group.entries_read() + 1);
  } else if (entries_added_ != 0) {
    group.set_entries_read(EstimateEntriesRead(id));
  }
  group.set_last_id(id);
}

std::optional<int64_t> StreamValue::GroupLag(const StreamGroup& group) const {
  const auto added = static_cast<int64_t>(entries_added_);
  if (entries_added_ == 0) return 0;
  if (group.entries_read() != StreamGroup::kUnknownEntriesRead &&
      !MayHaveTombstonesFrom(group.last_id())) {
    return added - group.entries_read();
  }
  const int64_t read = EstimateEntriesRead(group.last_id());
  if (read == StreamGroup::kUnknownEntriesRead) return std::nullopt;
  return added - read;
}

size_t StreamValue::AllocatedBytes() const {
  // A B-tree slot per entry and a third more for the tree's nodes (measured: appends in id order
  // fill them well), plus the packed fields that leave the string's inline buffer, sampled from
  // the newest entries.
  constexpr size_t kSlot = sizeof(Entries::value_type);
  size_t total = entries_.size() * kSlot * 4 / 3;
  size_t sampled = 0, heap = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend() && sampled < 64; ++it, ++sampled) {
    if (it->second.capacity() > 15) heap += MallocBlock(it->second.capacity() + 1);
  }
  if (sampled) total += heap * entries_.size() / sampled;
  for (const auto& [id, node] : nodes_) {
    total += sizeof(Nodes::value_type) * 4 / 3;
    for (const std::string& f : node.master_fields) total += f.size() > 15 ? f.size() + 1 : 0;
    total += node.master_fields.capacity() * sizeof(std::string);
  }
  // Groups: B-tree slots (a third more for the trees' nodes) and names past the inline buffer.
  auto heap_name = [](const std::string& s) {
    return s.size() > 15 ? MallocBlock(s.size() + 1) : size_t{0};
  };
  for (const auto& [name, group] : groups_) {
    total += sizeof(Groups::value_type) * 4 / 3 + heap_name(name);
    for (const auto& [id, p] : group.pel()) {
      total += sizeof(StreamGroup::Pel::value_type) * 4 / 3 + heap_name(p.consumer);
    }
    for (const auto& [consumer_name, consumer] : group.consumers()) {
      total += sizeof(StreamGroup::Consumers::value_type) * 4 / 3 + heap_name(consumer_name) +
               consumer.pending.size() * sizeof(StreamId) * 4 / 3;
    }
  }
  return total;
}

}  // namespace bazaar::engine::core
