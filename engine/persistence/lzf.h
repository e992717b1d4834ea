// LZF compression as used by RDB string encoding 0xC3. The format: a control byte below 32
// starts a run of ctrl+1 literal bytes; otherwise its top 3 bits are a match length (7 = read one
// more byte and add it), the low 5 bits and the next byte a backward offset minus one.
#ifndef BAZAAR_ENGINE_PERSISTENCE_LZF_H_
#define BAZAAR_ENGINE_PERSISTENCE_LZF_H_

#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::persistence {

// Compressed bytes as Redis's liblzf produces them (byte for byte), or nullopt when they would
// not fit in max_out bytes by liblzf's own tests (Redis then stores the string raw).
std::optional<std::string> LzfCompress(std::string_view in, size_t max_out);
// Decompresses into exactly `out_len` bytes; nullopt if the input is malformed.
std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len);

}  // namespace bazaar::engine::persistence

#endif  // BAZAAR_ENGINE_PERSISTENCE_LZF_H_
