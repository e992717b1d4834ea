// A stream's nodes in Redis's RDB form (RDB_TYPE_STREAM_LISTPACKS*): each node is a listpack
// holding a master entry (live count, deleted count, the master fields, a 0 terminator) and then
// its entries (flags, id as deltas from the node's first id, fields or only values when they
// match the master fields, and the element count). Used by the RDB writer and reader; no state.
#ifndef BAZAAR_ENGINE_PERSISTENCE_STREAM_LISTPACKS_H_
#define BAZAAR_ENGINE_PERSISTENCE_STREAM_LISTPACKS_H_

#include <string>
#include <string_view>

#include "engine/core/stream.h"

namespace bazaar::engine::persistence {

// The listpack of one node of `s`: its live entries (entries XDEL or a trim removed are not
// kept, so the dump holds no tombstones).
std::string StreamNodeListpack(const core::StreamValue& s,
                               core::StreamValue::Nodes::const_iterator node);
// Adds the node `key` / `blob` read from a dump to `s`; false if either is malformed.
bool LoadStreamNode(std::string_view key, std::string_view blob, core::StreamValue* s);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_STREAM_LISTPACKS_H_
