// RespReply: an owned copy of one RESP2 reply (hiredis 0.14 speaks RESP2 only), so callers never
// hold hiredis memory. Used by the connection, the pool's users (market/) and test fakes.
#ifndef BAZAAR_CLIENT_RESP_REPLY_H_
#define BAZAAR_CLIENT_RESP_REPLY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace bazaar::client {

struct RespReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString, kStatus, kError
  std::vector<RespReply> elements;

  static RespReply Nil() { return RespReply{}; }
  static RespReply Integer(int64_t v) {
    RespReply r;
    r.type = Type::kInteger;
    r.integer = v;
    return r;
  }
  static RespReply String(std::string s) {
    RespReply r;
    r.type = Type::kString;
    r.str = std::move(s);
    return r;
  }
  static RespReply Status(std::string s) {
    RespReply r = String(std::move(s));
    r.type = Type::kStatus;
    return r;
  }
  static RespReply Error(std::string s) {
    RespReply r = String(std::move(s));
    r.type = Type::kError;
    return r;
  }
  static RespReply Array(std::vector<RespReply> e) {
    RespReply r;
    r.type = Type::kArray;
    r.elements = std::move(e);
    return r;
  }

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  bool is_array() const { return type == Type::kArray; }
  bool is_integer() const { return type == Type::kInteger; }
  bool is_string() const { return type == Type::kString || type == Type::kStatus; }
  // A short human rendering for logs and test failures.
  std::string DebugString() const;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_REPLY_H_
