#include "engine/core/encoding_limits.h"

namespace bazaar::engine::core {
namespace {

EncodingLimits current;

}  // namespace

const EncodingLimits& CurrentEncodingLimits() { return current; }

void SetEncodingLimits(const EncodingLimits& limits) { current = limits; }

}  // namespace bazaar::engine::core
