#include "engine/core/value.h"

namespace bazaar::engine::core {

Value Value::Clone() const {
  switch (type()) {
    case ValueType::kString: {
      Value copy(str());
      copy.set_raw_string(raw_string());  // COPY keeps the encoding
      return copy;
    }
    case ValueType::kList: {
      Value copy = NewList();
      list().ForEach([&](std::string_view e) { copy.list().PushBack(e); });
      return copy;
    }
    case ValueType::kSet:
      return Value(set().Clone());
    case ValueType::kZSet: {
      Value copy = NewZSet();
      zset().CopyInto(&copy.zset());
      return copy;
    }
    case ValueType::kHash:
      return Value(hash().Clone());
    case ValueType::kStream:
      return Value(std::make_unique<StreamValue>(stream()));  // a plain copy is a deep one
  }
  return Value();
}

}  // namespace bazaar::engine::core
