// Copies a hiredis reply into a RespReply (the library's internal bridge; callers of the
// connections never see hiredis types).
#ifndef BAZAAR_CLIENT_RESP_HIREDIS_REPLY_H_
#define BAZAAR_CLIENT_RESP_HIREDIS_REPLY_H_

#include <hiredis/hiredis.h>

#include "resp/reply.h"

namespace bazaar::client {

RespReply FromHiredis(const redisReply* r);

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_RESP_HIREDIS_REPLY_H_
