// DUMP and RESTORE's serialized value, as Redis 7.0 makes it: the value as an RDB file holds it
// (type byte and body, rdb_writer.h / rdb_reader.h), then the RDB version as 2 bytes little
// endian (10), then the CRC-64 of everything before it as 8 bytes little endian. Pure
// functions; any thread.
#ifndef BAZAAR_ENGINE_PERSISTENCE_DUMP_PAYLOAD_H_
#define BAZAAR_ENGINE_PERSISTENCE_DUMP_PAYLOAD_H_

#include <string>
#include <string_view>

#include "engine/core/value.h"

namespace bazaar::engine::persistence {

// `compress`: LZF for long strings, as rdbcompression.
std::string MakeDumpPayload(const core::Value& value, bool compress);

// Whether the payload's footer is one we accept: a version no newer than ours and a CRC-64
// matching the bytes before it (Redis checks both before it looks at the value).
bool DumpFooterValid(std::string_view payload);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_DUMP_PAYLOAD_H_
