// GEO commands on sorted sets: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER (and
// their _RO forms) GEOSEARCH GEOSEARCHSTORE. A position is its member's score (core/geohash.h),
// so geo keys are ordinary sorted sets for persistence, replication and WATCH. GEOADD is a ZADD
// of those scores and propagates as that ZADD, as in Redis; GEORADIUS ... STORE and
// GEOSEARCHSTORE propagate as given.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/commands/arg_util.h"
#include "engine/commands/command_context.h"
#include "engine/commands/errors.h"
#include "engine/commands/families.h"
#include "engine/commands/geo_ops.h"
#include "engine/commands/status_reply.h"
#include "engine/commands/zset_ops.h"
#include "engine/core/geohash.h"

namespace bazaar::engine::commands {
namespace {

using core::GeoPosition;
using core::GeoShape;

constexpr std::string_view kUnitError = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr std::string_view kMemberError = "ERR could not decode requested zset member";

// Redis compares GEO keywords and units with strcasecmp, which stops at a NUL byte.
bool IsKeyword(std::string_view arg, std::string_view lower_name) {
  return IsOption(arg.substr(0, arg.find('\0')), lower_name);
}

// A longitude and latitude argument pair within the Mercator limits.
bool PositionOrReply(CommandContext& ctx, std::string_view lon, std::string_view lat,
                     GeoPosition* out) {
  if (!ParseScore(lon, &out->longitude) || !ParseScore(lat, &out->latitude)) {
    ctx.reply.Error(kNotFloatError);
    return false;
  }
  if (!core::ValidGeoPosition(out->longitude, out->latitude)) {
    const char* format = "ERR invalid longitude,latitude pair %f,%f";
    std::string text(std::snprintf(nullptr, 0, format, out->longitude, out->latitude), '\0');
    std::snprintf(text.data(), text.size() + 1, format, out->longitude, out->latitude);
    ctx.reply.Error(text);
    return false;
  }
  return true;
}

// M KM FT MI, as meters per unit.
bool UnitOrReply(CommandContext& ctx, std::string_view arg, double* meters) {
  if (IsKeyword(arg, "m")) {
    *meters = 1;
  } else if (IsKeyword(arg, "km")) {
    *meters = 1000;
  } else if (IsKeyword(arg, "ft")) {
    *meters = 0.3048;
  } else if (IsKeyword(arg, "mi")) {
    *meters = 1609.34;
  } else {
    ctx.reply.Error(kUnitError);
    return false;
  }
  return true;
}

// "<radius> <unit>": makes the shape a circle.
bool RadiusOrReply(CommandContext& ctx, std::string_view radius, std::string_view unit,
                   GeoShape* shape) {
  if (!ParseScore(radius, &shape->radius)) {
    ctx.reply.Error("ERR need numeric radius");
    return false;
  }
  if (shape->radius < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  shape->type = GeoShape::kCircle;
  return UnitOrReply(ctx, unit, &shape->unit_meters);
}

// "<width> <height> <unit>": makes the shape a box.
bool BoxOrReply(CommandContext& ctx, Args args, size_t at, GeoShape* shape) {
  if (!ParseScore(args[at], &shape->width)) {
    ctx.reply.Error("ERR need numeric width");
    return false;
  }
  if (!ParseScore(args[at + 1], &shape->height)) {
    ctx.reply.Error("ERR need numeric height");
    return false;
  }
  if (shape->height < 0 || shape->width < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->type = GeoShape::kBox;
  return UnitOrReply(ctx, args[at + 2], &shape->unit_meters);
}

std::optional<GeoPosition> MemberPosition(const core::ZSet* zs, std::string_view member) {
  std::optional<double> score = zs ? zs->Score(member) : std::nullopt;
  if (!score) return std::nullopt;
  return core::GeoScoreToPosition(*score);
}

// Distances have 4 decimals, as a bulk string in both protocols.
void ReplyDistance(CommandContext& ctx, double distance) {
  char buf[128];
  const int len = std::snprintf(buf, sizeof(buf), "%.4f", distance);
  ctx.reply.Bulk(std::string_view(buf, len));
}

// Coordinates print as Redis's human-friendly long doubles: a bulk string, a RESP3 double.
void ReplyCoordinate(CommandContext& ctx, double value) {
  const std::string text = protocol::FormatLongDouble(value);
  if (ctx.reply.resp() < 3) return ctx.reply.Bulk(text);
  ctx.reply.Raw(",");
  ctx.reply.Raw(text);
  ctx.reply.Raw("\r\n");
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]: every position is checked before
// anything is written.
void GeoAddCommand(CommandContext& ctx, Args args) {
  uint32_t flags = 0;
  size_t first = 2;
  for (; first < args.size(); ++first) {
    if (IsKeyword(args[first], "nx")) {
      flags |= kZAddNx;
    } else if (IsKeyword(args[first], "xx")) {
      flags |= kZAddXx;
    } else if (IsKeyword(args[first], "ch")) {
      flags |= kZAddCh;
    } else {
      break;
    }
  }
  const size_t elements = (args.size() - first) / 3;
  if ((args.size() - first) % 3 != 0 || elements == 0 || ((flags & kZAddNx) && (flags & kZAddXx))) {
    return ctx.reply.Error(kSyntaxError);
  }
  std::vector<std::pair<double, std::string_view>> pairs;
  std::vector<std::string> zadd(args.begin(), args.begin() + first);
  zadd[0] = "zadd";
  for (size_t i = first; i < args.size(); i += 3) {
    GeoPosition p;
    if (!PositionOrReply(ctx, args[i], args[i + 1], &p)) return;
    const uint64_t score = core::GeoScore(p.longitude, p.latitude);
    pairs.emplace_back(static_cast<double>(score), args[i + 2]);
    zadd.push_back(std::to_string(score));
    zadd.emplace_back(args[i + 2]);
  }
  auto r = OpZAdd(ctx.keyspace, ctx.db(), args[1], flags, pairs);
  if (!r.ok()) return ReplyError(ctx.reply, r.status());
  ctx.PropagateAs(std::move(zadd));
  ctx.reply.Integer((flags & kZAddCh) ? r->added + r->updated : r->added);
}

// GEODIST key member1 member2 [unit]
void GeoDistCommand(CommandContext& ctx, Args args) {
  double unit = 1;
  if (args.size() == 5) {
    if (!UnitOrReply(ctx, args[4], &unit)) return;
  } else if (args.size() > 5) {
    return ctx.reply.Error(kSyntaxError);
  }
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  const auto a = MemberPosition(*z, args[2]);
  const auto b = a ? MemberPosition(*z, args[3]) : std::nullopt;
  if (!a || !b) return ctx.reply.NullBulk();
  ReplyDistance(ctx,
                core::GeoDistance(a->longitude, a->latitude, b->longitude, b->latitude) / unit);
}

void GeoHashCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::optional<double> score = *z ? (*z)->Score(args[i]) : std::nullopt;
    score ? ctx.reply.Bulk(core::GeoHashString(*score)) : ctx.reply.NullBulk();
  }
}

void GeoPosCommand(CommandContext& ctx, Args args) {
  auto z = FindZSet(ctx.keyspace, ctx.db(), args[1]);
  if (!z.ok()) return ReplyError(ctx.reply, z.status());
  ctx.reply.ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const auto p = MemberPosition(*z, args[i]);
    if (!p) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.ArrayHeader(2);
    ReplyCoordinate(ctx, p->longitude);
    ReplyCoordinate(ctx, p->latitude);
  }
}

// Which search command is running.
enum SearchFlag : uint32_t {
  kAroundCoords = 1 << 0,  // GEORADIUS: key longitude latitude radius unit
  kAroundMember = 1 << 1,  // GEORADIUSBYMEMBER: key member radius unit
  kNoStore = 1 << 2,       // the _RO forms
  kSearch = 1 << 3,        // GEOSEARCH: FROM... and BY... options
  kSearchStore = 1 << 4,   // GEOSEARCHSTORE: dst src, then as GEOSEARCH
};

struct SearchOptions {
  bool withdist = false, withhash = false, withcoord = false, any = false;
  bool frommember = false, fromlonlat = false, byradius = false, bybox = false;
  GeoSort sort = GeoSort::kNone;
  int64_t count = 0;  // 0: all
  std::optional<std::string_view> store;
  bool storedist = false;
};

// Reads the options after the fixed arguments (from `base`), in Redis's order of checks: a
// FROMMEMBER is looked up as it is read, when the set exists.
bool SearchOptionsOrReply(CommandContext& ctx, Args args, size_t base, uint32_t flags,
                          const core::ZSet* zs, GeoShape* shape, SearchOptions* o) {
  const bool search = flags & kSearch;
  const bool store_allowed = !(flags & (kNoStore | kSearch));
  for (size_t i = base; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const size_t after = args.size() - i - 1;
    if (IsKeyword(arg, "withdist")) {
      o->withdist = true;
    } else if (IsKeyword(arg, "withhash")) {
      o->withhash = true;
    } else if (IsKeyword(arg, "withcoord")) {
      o->withcoord = true;
    } else if (IsKeyword(arg, "any")) {
      o->any = true;
    } else if (IsKeyword(arg, "asc")) {
      o->sort = GeoSort::kAsc;
    } else if (IsKeyword(arg, "desc")) {
      o->sort = GeoSort::kDesc;
    } else if (IsKeyword(arg, "count") && after >= 1) {
      if (!IntArgOrReply(ctx.reply, args[++i], &o->count)) return false;
      if (o->count <= 0) return ctx.reply.Error("ERR COUNT must be > 0"), false;
    } else if ((IsKeyword(arg, "store") || IsKeyword(arg, "storedist")) && after >= 1 &&
               store_allowed) {
      o->storedist = IsKeyword(arg, "storedist");
      o->store = args[++i];
    } else if (IsKeyword(arg, "storedist") && (flags & kSearchStore)) {
      o->storedist = true;
    } else if (IsKeyword(arg, "frommember") && after >= 1 && search && !o->fromlonlat) {
      // Without a set the member is not looked up: the missing key's empty reply wins.
      if (zs) {
        const auto p = MemberPosition(zs, args[i + 1]);
        if (!p) return ctx.reply.Error(kMemberError), false;
        shape->center = *p;
      }
      o->frommember = true;
      ++i;
    } else if (IsKeyword(arg, "fromlonlat") && after >= 2 && search && !o->frommember) {
      if (!PositionOrReply(ctx, args[i + 1], args[i + 2], &shape->center)) return false;
      o->fromlonlat = true;
      i += 2;
    } else if (IsKeyword(arg, "byradius") && after >= 2 && search && !o->bybox) {
      if (!RadiusOrReply(ctx, args[i + 1], args[i + 2], shape)) return false;
      o->byradius = true;
      i += 2;
    } else if (IsKeyword(arg, "bybox") && after >= 3 && search && !o->byradius) {
      if (!BoxOrReply(ctx, args, i + 1, shape)) return false;
      o->bybox = true;
      i += 3;
    } else {
      return ctx.reply.Error(kSyntaxError), false;
    }
  }
  if (o->store && (o->withdist || o->withhash || o->withcoord)) {
    const std::string_view who =
        (flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS";
    ctx.reply.Error("ERR " + std::string(who) +
                    " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  const std::string command(args[0]);
  if (search && !o->frommember && !o->fromlonlat) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + command);
    return false;
  }
  if (search && !o->byradius && !o->bybox) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + command);
    return false;
  }
  if (o->any && o->count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

void ReplyPoints(CommandContext& ctx, const std::vector<GeoPoint>& points, size_t n,
                 const SearchOptions& o, double unit_meters) {
  const size_t extras = o.withdist + o.withhash + o.withcoord;
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const GeoPoint& p = points[i];
    if (extras) ctx.reply.ArrayHeader(extras + 1);
    ctx.reply.Bulk(p.member);
    if (o.withdist) ReplyDistance(ctx, p.distance / unit_meters);
    if (o.withhash) ctx.reply.Integer(static_cast<int64_t>(p.score));
    if (o.withcoord) {
      ctx.reply.ArrayHeader(2);
      ReplyCoordinate(ctx, p.position.longitude);
      ReplyCoordinate(ctx, p.position.latitude);
    }
  }
}

// Every search command: the source set's type first, then the centre and shape, the options,
// and only then whether the source exists.
void GeoSearchGeneric(CommandContext& ctx, Args args, size_t src_index, uint32_t flags) {
  auto found = FindZSet(ctx.keyspace, ctx.db(), args[src_index]);
  if (!found.ok()) return ReplyError(ctx.reply, found.status());
  const core::ZSet* zs = *found;
  GeoShape shape;
  SearchOptions o;
  size_t base;
  if (flags & kAroundCoords) {
    base = 6;
    if (!PositionOrReply(ctx, args[2], args[3], &shape.center)) return;
    if (!RadiusOrReply(ctx, args[4], args[5], &shape)) return;
  } else if (flags & kAroundMember) {
    base = 5;
    // Without a set neither the member nor the radius is read: the options decide the reply.
    if (zs) {
      const auto p = MemberPosition(zs, args[2]);
      if (!p) return ctx.reply.Error(kMemberError);
      shape.center = *p;
      if (!RadiusOrReply(ctx, args[3], args[4], &shape)) return;
    }
  } else {
    base = (flags & kSearchStore) ? 3 : 2;
    if (flags & kSearchStore) o.store = args[1];
  }
  if (!SearchOptionsOrReply(ctx, args, base, flags, zs, &shape, &o)) return;
  if (!zs) {
    if (!o.store) return ctx.reply.ArrayHeader(0);
    if (ctx.keyspace.Delete(ctx.db(), *o.store)) {
      ctx.keyspace.Notify(ctx.db(), core::events::kGeneric, "del", *o.store);
    }
    return ctx.reply.Integer(0);
  }
  // COUNT without an order means the nearest ones, unless ANY asks for whichever come first.
  if (o.count != 0 && o.sort == GeoSort::kNone && !o.any) o.sort = GeoSort::kAsc;
  const size_t limit = o.any ? static_cast<size_t>(o.count) : 0;
  std::vector<GeoPoint> points = GeoPointsInShape(*zs, shape, limit);
  if (points.empty() && !o.store) return ctx.reply.ArrayHeader(0);
  const size_t n =
      o.count == 0 ? points.size() : std::min(points.size(), static_cast<size_t>(o.count));
  SortGeoPoints(&points, o.sort, n);
  if (o.store) {
    const char* event = (flags & kSearchStore) ? "geosearchstore" : "georadiusstore";
    return ctx.reply.Integer(StoreGeoPoints(ctx.keyspace, ctx.db(), *o.store, points, n,
                                            o.storedist, shape.unit_meters, event));
  }
  ReplyPoints(ctx, points, n, o, shape.unit_meters);
}

void GeoRadiusCommand(CommandContext& ctx, Args args) {
  GeoSearchGeneric(ctx, args, 1, kAroundCoords);
}
void GeoRadiusByMemberCommand(CommandContext& ctx, Args args) {
  GeoSearchGeneric(ctx, args, 1, kAroundMember);
}
void GeoRadiusRoCommand(CommandContext& ctx, Args args) {
  GeoSearchGeneric(ctx, args, 1, kAroundCoords | kNoStore);
}
void GeoRadiusByMemberRoCommand(CommandContext& ctx, Args args) {
  GeoSearchGeneric(ctx, args, 1, kAroundMember | kNoStore);
}
void GeoSearchCommand(CommandContext& ctx, Args args) { GeoSearchGeneric(ctx, args, 1, kSearch); }
void GeoSearchStoreCommand(CommandContext& ctx, Args args) {
  GeoSearchGeneric(ctx, args, 2, kSearch | kSearchStore);
}

}  // namespace

void RegisterGeoFamily(CommandTable& table) {
  const uint32_t kWriteOom = kWrite | kDenyOom;
  table.Add({"geoadd", -5, kWriteOom, 1, 1, 1, GeoAddCommand});
  table.Add({"geodist", -4, kReadOnly, 1, 1, 1, GeoDistCommand});
  table.Add({"geohash", -2, kReadOnly, 1, 1, 1, GeoHashCommand});
  table.Add({"geopos", -2, kReadOnly, 1, 1, 1, GeoPosCommand});
  // The STORE options make Redis mark these two movablekeys and writes even without STORE.
  table.Add({"georadius", -6, kWriteOom | kMovableKeys, 1, 1, 1, GeoRadiusCommand});
  table.Add({"georadiusbymember", -5, kWriteOom | kMovableKeys, 1, 1, 1, GeoRadiusByMemberCommand});
  table.Add({"georadius_ro", -6, kReadOnly, 1, 1, 1, GeoRadiusRoCommand});
  table.Add({"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1, GeoRadiusByMemberRoCommand});
  table.Add({"geosearch", -7, kReadOnly, 1, 1, 1, GeoSearchCommand});
  table.Add({"geosearchstore", -8, kWriteOom, 1, 2, 1, GeoSearchStoreCommand});
}

}  // namespace bazaar::engine::commands
