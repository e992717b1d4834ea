// Number parsing exactly as Redis does it, shared by the request parser and command handlers.
#ifndef BAZAAR_ENGINE_PROTOCOL_NUMBER_H_
#define BAZAAR_ENGINE_PROTOCOL_NUMBER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace bazaar::engine::protocol {

// Redis's string2ll: optional '-', digits, no '+', no leading zeros, no spaces, fits int64.
bool ParseInt64(std::string_view s, int64_t* out);
// Redis's string2ld: strtold over the whole string; no leading space, no NaN.
bool ParseLongDouble(std::string_view s, long double* out);
// INCRBYFLOAT's output: "%.17Lf" with trailing zeros (and a bare '.') removed.
std::string FormatLongDouble(long double value);

}  // namespace bazaar::engine::protocol

#endif  // BAZAAR_ENGINE_PROTOCOL_NUMBER_H_
