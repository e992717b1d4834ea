#include "engine/persistence/stream_listpacks.h"

#include <iterator>
#include <optional>
#include <vector>

#include "engine/persistence/compact_encodings.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::persistence {
namespace {

using core::StreamId;
using core::StreamValue;

constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;

bool SameFields(const std::vector<std::string>& master,
                const std::vector<std::string_view>& fields) {
  if (master.size() * 2 != fields.size()) return false;
  for (size_t i = 0; i < master.size(); ++i) {
    if (master[i] != fields[i * 2]) return false;
  }
  return true;
}

uint64_t BigEndian(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// Reads listpack elements in order as integers or strings.
class Elements {
 public:
  explicit Elements(std::vector<std::string> items) : items_(std::move(items)) {}
  bool done() const { return next_ == items_.size(); }
  std::optional<std::string> String() {
    if (done()) return std::nullopt;
    return std::move(items_[next_++]);
  }
  std::optional<int64_t> Int() {
    int64_t v;
    if (done() || !protocol::ParseInt64(items_[next_], &v)) return std::nullopt;
    ++next_;
    return v;
  }

 private:
  std::vector<std::string> items_;
  size_t next_ = 0;
};

}  // namespace

std::string StreamNodeListpack(const StreamValue& s, StreamValue::Nodes::const_iterator node) {
  const StreamId master = node->first;
  const std::vector<std::string>& master_fields = node->second.master_fields;
  auto next = std::next(node);
  auto end = next == s.nodes().end() ? s.entries().end() : s.entries().lower_bound(next->first);
  ListpackWriter lp;
  lp.Int(static_cast<int64_t>(node->second.live));
  lp.Int(0);
  lp.Int(static_cast<int64_t>(master_fields.size()));
  for (const std::string& f : master_fields) lp.String(f);
  lp.Int(0);
  for (auto it = s.entries().lower_bound(master); it != end; ++it) {
    const auto fields = StreamValue::Unpack(it->second);
    const bool same = SameFields(master_fields, fields);
    const auto pairs = static_cast<int64_t>(fields.size() / 2);
    lp.Int(same ? kFlagSameFields : 0);
    lp.Int(static_cast<int64_t>(it->first.ms - master.ms));
    lp.Int(static_cast<int64_t>(it->first.seq - master.seq));
    if (!same) lp.Int(pairs);
    for (size_t i = same ? 1 : 0; i < fields.size(); i += same ? 2 : 1) lp.String(fields[i]);
    lp.Int(same ? pairs + 3 : pairs * 2 + 4);
  }
  return lp.Finish();
}

bool LoadStreamNode(std::string_view key, std::string_view blob, StreamValue* s) {
  if (key.size() != 16) return false;
  const StreamId master{BigEndian(key.substr(0, 8)), BigEndian(key.substr(8))};
  auto items = DecodeListpack(blob, /*deep=*/true);
  if (!items || items->empty()) return false;
  Elements in(std::move(*items));
  auto live = in.Int(), deleted = in.Int(), master_count = in.Int();
  if (!live || !deleted || !master_count || *live < 0 || *deleted < 0 || *master_count < 1) {
    return false;
  }
  StreamValue::Node node;
  node.live = static_cast<uint64_t>(*live);
  node.deleted = static_cast<uint64_t>(*deleted);
  for (int64_t i = 0; i < *master_count; ++i) {
    auto f = in.String();
    if (!f) return false;
    node.master_fields.push_back(std::move(*f));
  }
  if (in.Int() != 0) return false;
  uint64_t live_seen = 0, deleted_seen = 0;
  std::vector<std::string> fields;
  while (!in.done()) {
    auto flags = in.Int(), ms = in.Int(), seq = in.Int();
    if (!flags || !ms || !seq) return false;
    const bool same = (*flags & kFlagSameFields) != 0;
    int64_t pairs = *master_count;
    if (!same) {
      auto n = in.Int();
      if (!n || *n < 1) return false;
      pairs = *n;
    }
    fields.clear();
    for (int64_t i = 0; i < pairs; ++i) {
      if (same) fields.push_back(node.master_fields[i]);
      else if (auto f = in.String()) fields.push_back(std::move(*f));
      else return false;
      auto v = in.String();
      if (!v) return false;
      fields.push_back(std::move(*v));
    }
    if (in.Int() != (same ? pairs + 3 : pairs * 2 + 4)) return false;
    const StreamId id{master.ms + static_cast<uint64_t>(*ms), master.seq + static_cast<uint64_t>(*seq)};
    if (id < node.last_id || (live_seen + deleted_seen > 0 && id == node.last_id)) return false;
    node.last_id = id;
    if (*flags & kFlagDeleted) {
      ++deleted_seen;
      continue;
    }
    ++live_seen;
    std::vector<std::string_view> views(fields.begin(), fields.end());
    s->AddLoadedEntry(id, StreamValue::Pack(views));
  }
  if (live_seen != node.live || deleted_seen != node.deleted || live_seen == 0) return false;
  node.bytes_without_counts = blob.size() - core::ListpackIntSize(*live) -
                              core::ListpackIntSize(*deleted);
  s->AddLoadedNode(master, std::move(node));
  return true;
}

}  // namespace bazaar::engine::persistence
