#include "engine/core/memory_accounting.h"
#include "engine/persistence/rdb_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "engine/persistence/compact_encodings.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/lzf.h"
#include "engine/persistence/rdb_format.h"
#include "engine/persistence/stream_listpacks.h"
#include "engine/protocol/number.h"

namespace bazaar::engine::persistence {
namespace {

// Buffers output, keeps the running checksum, and writes to the fd in large chunks. Without an
// fd (-1) it only buffers, for one value's encoding.
class RdbSink {
 public:
  RdbSink(int fd, bool checksum) : fd_(fd), checksum_(checksum) {}

  void Bytes(const void* data, size_t len) {
    if (checksum_) crc_ = Crc64(crc_, data, len);
    buffer_.append(static_cast<const char*>(data), len);
    if (fd_ >= 0 && buffer_.size() >= 1 << 16) Flush();
  }
  void Byte(uint8_t b) { Bytes(&b, 1); }
  void Length(uint64_t len) {
    unsigned char buf[9];
    if (len < (1 << 6)) {
      buf[0] = static_cast<unsigned char>(len);
      Bytes(buf, 1);
    } else if (len < (1 << 14)) {
      buf[0] = static_cast<unsigned char>(0x40 | (len >> 8));
      buf[1] = static_cast<unsigned char>(len & 0xff);
      Bytes(buf, 2);
    } else if (len <= UINT32_MAX) {
      buf[0] = kRdbLen32;
      for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (24 - 8 * i));
      Bytes(buf, 5);
    } else {
      buf[0] = kRdbLen64;
      for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
      Bytes(buf, 9);
    }
  }
  void String(std::string_view s, bool compress) {
    // Short canonical integers use the compact integer encodings, as Redis does.
    int64_t v;
    if (s.size() <= 11 && protocol::ParseInt64(s, &v)) {
      unsigned char buf[5];
      if (v >= INT8_MIN && v <= INT8_MAX) {
        buf[0] = kRdbEncInt8;
        buf[1] = static_cast<unsigned char>(v);
        return Bytes(buf, 2);
      }
      if (v >= INT16_MIN && v <= INT16_MAX) {
        buf[0] = kRdbEncInt16;
        buf[1] = v & 0xff, buf[2] = (v >> 8) & 0xff;
        return Bytes(buf, 3);
      }
      if (v >= INT32_MIN && v <= INT32_MAX) {
        buf[0] = kRdbEncInt32;
        for (int i = 0; i < 4; ++i) buf[1 + i] = (v >> (8 * i)) & 0xff;
        return Bytes(buf, 5);
      }
    }
    if (compress && s.size() > 20) {
      // Kept only when it saves at least 4 bytes (Redis's rule).
      if (auto packed = LzfCompress(s, s.size() - 4)) {
        Byte(kRdbEncLzf);
        Length(packed->size());
        Length(s.size());
        return Bytes(packed->data(), packed->size());
      }
    }
    Length(s.size());
    Bytes(s.data(), s.size());
  }
  void Le64(uint64_t v) {
    unsigned char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<unsigned char>(v >> (8 * i));
    Bytes(buf, 8);
  }
  bool Flush() {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        buffer_.clear();
        return false;
      }
      off += n;
    }
    buffer_.clear();
    return true;
  }
  uint64_t crc() const { return crc_; }
  int error() const { return error_; }
  std::string TakeBuffer() { return std::move(buffer_); }

 private:
  int fd_;
  bool checksum_;
  uint64_t crc_ = 0;
  std::string buffer_;
  int error_ = 0;
};

void WriteType(RdbSink& out, const core::Value& v) {
  switch (v.type()) {
    case core::ValueType::kString:
      out.Byte(kRdbTypeString);
      break;
    case core::ValueType::kList:
      out.Byte(kRdbTypeList);
      break;
    case core::ValueType::kSet:
      out.Byte(v.set().is_intset() ? kRdbTypeSetIntset : kRdbTypeSet);
      break;
    case core::ValueType::kZSet:
      out.Byte(v.zset().compact() ? kRdbTypeZSetListpack : kRdbTypeZSet2);
      break;
    case core::ValueType::kHash:
      out.Byte(v.hash().compact() ? kRdbTypeHashListpack : kRdbTypeHash);
      break;
    case core::ValueType::kStream:
      out.Byte(kRdbTypeStreamListpacks2);
      break;
  }
}

// A PEL's ids as raw 16-byte radix-tree keys, the group's with each delivery time and count.
void WritePel(RdbSink& out, const core::StreamGroup& group, const core::StreamConsumer* owner) {
  out.Length(owner ? owner->pending.size() : group.pel().size());
  auto write = [&](core::StreamId id) {
    const std::string key = id.Key();
    out.Bytes(key.data(), key.size());
  };
  if (owner) {
    for (core::StreamId id : owner->pending) write(id);
    return;
  }
  for (const auto& [id, p] : group.pel()) {
    write(id);
    out.Le64(static_cast<uint64_t>(p.delivery_time));
    out.Length(p.delivery_count);
  }
}

// RDB_TYPE_STREAM_LISTPACKS_2: the nodes, then length, last id, first id, max deleted id,
// entries added, and the consumer groups: name, last id, entries read (-1 as 2^64-1), the
// group PEL, then each consumer's name, seen time and own PEL.
void WriteStream(RdbSink& out, const core::StreamValue& s, bool compress) {
  out.Length(s.nodes().size());
  for (auto node = s.nodes().begin(); node != s.nodes().end(); ++node) {
    out.String(node->first.Key(), false);  // the node's radix-tree key
    out.String(StreamNodeListpack(s, node), compress);
  }
  out.Length(s.size());
  for (core::StreamId id : {s.last_id(), s.first_id(), s.max_deleted_id()}) {
    out.Length(id.ms);
    out.Length(id.seq);
  }
  out.Length(s.entries_added());
  out.Length(s.groups().size());
  for (const auto& [name, group] : s.groups()) {
    out.String(name, compress);
    out.Length(group.last_id().ms);
    out.Length(group.last_id().seq);
    out.Length(static_cast<uint64_t>(group.entries_read()));
    WritePel(out, group, nullptr);
    out.Length(group.consumers().size());
    for (const auto& [consumer_name, consumer] : group.consumers()) {
      out.String(consumer_name, compress);
      out.Le64(static_cast<uint64_t>(consumer.seen_time));
      WritePel(out, group, &consumer);
    }
  }
}

void WriteBody(RdbSink& out, const core::Value& v, bool compress) {
  switch (v.type()) {
    case core::ValueType::kString:
      out.String(v.str(), compress);
      break;
    case core::ValueType::kList:
      out.Length(v.list().size());
      v.list().ForEach([&](std::string_view e) { out.String(e, compress); });
      break;
    case core::ValueType::kSet:
      if (v.set().is_intset()) {
        out.String(v.set().intset().blob(), compress);  // Redis's own bytes
        break;
      }
      out.Length(v.set().size());
      v.set().ForEach([&](std::string_view m) { out.String(m, compress); });
      break;
    case core::ValueType::kZSet:
      if (const core::Listpack* lp = v.zset().listpack()) {
        out.String(lp->blob(), compress);  // Redis's own bytes
        break;
      }
      // Highest first, as Redis writes its skiplists (so a large set dumps to Redis's bytes).
      out.Length(v.zset().size());
      v.zset().Walk(v.zset().size() - 1, true, [&](std::string_view member, double score) {
        out.String(member, compress);
        uint64_t bits;
        std::memcpy(&bits, &score, 8);
        out.Le64(bits);
        return true;
      });
      break;
    case core::ValueType::kHash:
      if (v.hash().compact()) {
        // The packed pairs are in Redis's listpack order (insertion order), so encoding them
        // gives the bytes Redis writes for the same hash.
        ListpackWriter lp;
        v.hash().ForEach([&](std::string_view field, std::string_view value) {
          lp.String(field);
          lp.String(value);
        });
        out.String(lp.Finish(), compress);
        break;
      }
      out.Length(v.hash().size());
      v.hash().ForEach([&](std::string_view field, std::string_view value) {
        out.String(field, compress);
        out.String(value, compress);
      });
      break;
    case core::ValueType::kStream:
      WriteStream(out, v.stream(), compress);
      break;
  }
}

void AuxField(RdbSink& out, std::string_view key, std::string_view value) {
  out.Byte(kRdbOpAux);
  out.String(key, false);
  out.String(value, false);
}

}  // namespace

std::string EncodeRdbValue(const core::Value& value, bool compress) {
  RdbSink out(-1, false);
  WriteType(out, value);
  WriteBody(out, value, compress);
  return out.TakeBuffer();
}

absl::Status WriteRdb(const core::Keyspace& keyspace, const RdbOptions& options, int fd) {
  RdbSink out(fd, options.checksum);
  out.Bytes(kRdbMagic, 9);  // "REDIS0010"
  AuxField(out, "redis-ver", "7.0.15");
  AuxField(out, "redis-bits", "64");
  AuxField(out, "ctime", std::to_string(time(nullptr)));
  AuxField(out, "used-mem", std::to_string(core::UsedMemory()));
  if (!options.repl_id.empty()) {
    AuxField(out, "repl-stream-db", std::to_string(options.repl_stream_db));
    AuxField(out, "repl-id", options.repl_id);
    AuxField(out, "repl-offset", std::to_string(options.repl_offset));
  }
  AuxField(out, "aof-base", options.aof_base ? "1" : "0");
  for (const std::string& code : options.functions) {
    out.Byte(kRdbOpFunction2);
    out.String(code, options.compression);
  }
  for (int db = 0; db < keyspace.num_dbs(); ++db) {
    if (keyspace.DbSize(db) == 0) continue;
    out.Byte(kRdbOpSelectDb);
    out.Length(db);
    out.Byte(kRdbOpResizeDb);
    out.Length(keyspace.DbSize(db));
    out.Length(keyspace.ExpiresCount(db));
    keyspace.ForEachKey(db, [&](const std::string& key, const core::Value& value) {
      int64_t when = keyspace.GetExpire(db, key);
      if (when != -1) {
        out.Byte(kRdbOpExpireTimeMs);
        out.Le64(static_cast<uint64_t>(when));
      }
      WriteType(out, value);
      out.String(key, options.compression);
      WriteBody(out, value, options.compression);
    });
  }
  out.Byte(kRdbOpEof);
  uint64_t crc = options.checksum ? out.crc() : 0;
  out.Le64(crc);
  if (!out.Flush()) {
    return absl::InternalError(std::string("Write error saving DB on disk: ") +
                               strerror(out.error()));
  }
  return absl::OkStatus();
}

absl::Status SaveRdbFile(const core::Keyspace& keyspace, const RdbOptions& options,
                         const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string temp = dir + "/temp-" + std::to_string(getpid()) + ".rdb";
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError("Failed opening the temp RDB file " + temp +
                               " (in server root dir " + dir + ") for saving: " +
                               strerror(errno));
  }
  absl::Status status = WriteRdb(keyspace, options, fd);
  if (status.ok() && fsync(fd) != 0) {
    status = absl::InternalError(std::string("fsync of the RDB file failed: ") + strerror(errno));
  }
  close(fd);
  if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    status = absl::InternalError("Error moving temp DB file " + temp + " on the final "
                                 "destination " + path + ": " + strerror(errno));
  }
  if (!status.ok()) {
    unlink(temp.c_str());
    return status;
  }
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

}  // namespace bazaar::engine::persistence
