// Keyspace notification classes (notify-keyspace-events): the bit of each class letter, the
// option's parser and its normalised text as CONFIG GET shows it (Redis 7.0's order, where 'A'
// stands for g$lshzxetd and so hides 'n'). Pure functions, any thread.
#ifndef BAZAAR_ENGINE_CORE_KEYSPACE_EVENTS_H_
#define BAZAAR_ENGINE_CORE_KEYSPACE_EVENTS_H_

#include <optional>
#include <string>
#include <string_view>

namespace bazaar::engine::core::events {

inline constexpr int kKeyspace = 1 << 0;  // K: __keyspace@<db>__:<key> channels
inline constexpr int kKeyevent = 1 << 1;  // E: __keyevent@<db>__:<event> channels
inline constexpr int kGeneric = 1 << 2;   // g
inline constexpr int kString = 1 << 3;    // $
inline constexpr int kList = 1 << 4;      // l
inline constexpr int kSet = 1 << 5;       // s
inline constexpr int kHash = 1 << 6;      // h
inline constexpr int kZset = 1 << 7;      // z
inline constexpr int kExpired = 1 << 8;   // x
inline constexpr int kEvicted = 1 << 9;   // e
inline constexpr int kStream = 1 << 10;   // t
inline constexpr int kKeyMiss = 1 << 11;  // m
inline constexpr int kModule = 1 << 12;   // d
inline constexpr int kNew = 1 << 13;      // n
// 'A': every class but key misses and new keys.
inline constexpr int kAll = kGeneric | kString | kList | kSet | kHash | kZset | kExpired |
                            kEvicted | kStream | kModule;

// The classes a notify-keyspace-events value names; nullopt on a letter Redis rejects.
std::optional<int> ParseClasses(std::string_view text);
// The value CONFIG GET shows for `classes`.
std::string FormatClasses(int classes);

}  // namespace bazaar::engine::core::events

#endif  // BAZAAR_ENGINE_CORE_KEYSPACE_EVENTS_H_
