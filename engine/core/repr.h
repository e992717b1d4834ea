// Redis's sdscatrepr: a byte string in double quotes with \\ \" \n \r \t \a \b escaped and
// other unprintable bytes as \xHH, as MONITOR lines quote arguments. A pure function; any
// thread.
#ifndef BAZAAR_ENGINE_CORE_REPR_H_
#define BAZAAR_ENGINE_CORE_REPR_H_

#include <string>
#include <string_view>

namespace bazaar::engine::core {

void AppendRepr(std::string* out, std::string_view bytes);
inline std::string Repr(std::string_view bytes) {
  std::string out;
  AppendRepr(&out, bytes);
  return out;
}

}  // namespace bazaar::engine::core

#endif  // BAZAAR_ENGINE_CORE_REPR_H_
