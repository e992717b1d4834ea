#include "resp/reply.h"

#include "resp/hiredis_glue.h"

namespace bazaar::client {

std::string RespReply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "(nil)";
    case Type::kInteger:
      return "(integer) " + std::to_string(integer);
    case Type::kString:
      return "\"" + str + "\"";
    case Type::kStatus:
      return str;
    case Type::kError:
      return "(error) " + str;
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i) out += ", ";
        out += elements[i].DebugString();
      }
      return out + "]";
    }
  }
  return "?";
}

RespReply FromHiredis(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return RespReply::Integer(r->integer);
    case REDIS_REPLY_STRING:
      return RespReply::String(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return RespReply::Status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR:
      return RespReply::Error(std::string(r->str, r->len));
    case REDIS_REPLY_ARRAY: {
      std::vector<RespReply> elements;
      elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) elements.push_back(FromHiredis(r->element[i]));
      return RespReply::Array(std::move(elements));
    }
    default:
      return RespReply::Nil();
  }
}

}  // namespace bazaar::client
