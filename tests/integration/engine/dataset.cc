#include "dataset.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include "harness/resp_client.h"

namespace bazaar::testing {

// Elements of a flat RESP2 array of bulk strings or integers.
std::vector<std::string> Elements(const std::string& raw) {
  std::vector<std::string> out;
  size_t pos = raw.find("\r\n");
  if (raw.empty() || raw[0] != '*' || pos == std::string::npos) return out;
  pos += 2;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    if (raw[pos] == '$') {
      long len = std::stol(raw.substr(pos + 1, eol - pos - 1));
      out.push_back(raw.substr(eol + 2, len));
      pos = eol + 2 + len + 2;
    } else {
      out.push_back(raw.substr(pos + 1, eol - pos - 1));
      pos = eol + 2;
    }
  }
  return out;
}

std::string Bulk(const std::string& raw) {
  size_t eol = raw.find("\r\n");
  return raw.substr(eol + 2, raw.size() - eol - 4);
}

// The group names in an XINFO GROUPS reply (each group's "name" field).
std::vector<std::string> StreamGroupNames(const std::string& raw) {
  std::vector<std::string> out;
  const std::string field = "$4\r\nname\r\n$";
  for (size_t pos = raw.find(field); pos != std::string::npos; pos = raw.find(field, pos)) {
    pos += field.size();
    const size_t eol = raw.find("\r\n", pos);
    const long len = std::stol(raw.substr(pos, eol - pos));
    out.push_back(raw.substr(eol + 2, len));
    pos = eol + 2 + len;
  }
  return out;
}

// Every key of every database with its type, contents (order-free where Redis's is) and whether
// it has a TTL: what "identical data" means between two servers.
std::map<std::string, std::string> Dataset(int port) {
  RespClient c(port);
  std::map<std::string, std::string> out;
  for (int db = 0; db < 16; ++db) {
    c.Command({"SELECT", std::to_string(db)});
    for (const std::string& key : Elements(c.Command({"KEYS", "*"}))) {
      std::string type = c.Command({"TYPE", key});
      std::vector<std::string> items;
      if (type == "+string\r\n") {
        items = {Bulk(c.Command({"GET", key}))};
      } else if (type == "+list\r\n") {
        items = Elements(c.Command({"LRANGE", key, "0", "-1"}));
      } else if (type == "+set\r\n") {
        items = Elements(c.Command({"SMEMBERS", key}));
        std::sort(items.begin(), items.end());
      } else if (type == "+zset\r\n") {
        items = Elements(c.Command({"ZRANGE", key, "0", "-1", "WITHSCORES"}));
      } else if (type == "+hash\r\n") {
        auto flat = Elements(c.Command({"HGETALL", key}));
        std::vector<std::string> pairs;
        for (size_t i = 0; i + 1 < flat.size(); i += 2) pairs.push_back(flat[i] + "=" + flat[i + 1]);
        std::sort(pairs.begin(), pairs.end());
        items = pairs;
      } else if (type == "+stream\r\n") {
        // The raw replies: entries in order and the bookkeeping (ids, counts, node count), and
        // each consumer group with its pending entries (times left out: a replayed AOF
        // creates consumers anew).
        items = {c.Command({"XRANGE", key, "-", "+"}), c.Command({"XINFO", "STREAM", key}),
                 c.Command({"XINFO", "GROUPS", key})};
        for (const std::string& group : StreamGroupNames(c.Command({"XINFO", "GROUPS", key}))) {
          items.push_back(c.Command({"XPENDING", key, group}));
        }
      }
      std::string value = type;
      for (const auto& i : items) value += "|" + i;
      value += c.Command({"PTTL", key}) == ":-1\r\n" ? " (no ttl)" : " (ttl)";
      out[std::to_string(db) + ":" + key] = value;
    }
  }
  return out;
}

// Small and large containers of every type (so Redis uses listpack/intset and its big
// encodings), streams, expiry, several databases, binary and integer-looking strings.
void Populate(int port) {
  RespClient c(port);
  c.Command({"SET", "plain", "hello"});
  c.Command({"SET", "number", "12345"});
  c.Command({"SET", "negative", "-70000"});
  c.Command({"SET", "binary", std::string("a\0b\r\n\xff", 6)});
  c.Command({"SET", "long", std::string(1000, 'x') + "tail"});
  c.Command({"SET", "ttl", "v", "EX", "1000"});
  c.Command({"RPUSH", "small-list", "a", "1", "-2", "300000", "bee"});
  for (int i = 0; i < 300; ++i) c.Command({"RPUSH", "big-list", "element-" + std::to_string(i)});
  c.Command({"SADD", "int-set", "1", "2", "-3", "100000", "9999999999"});
  c.Command({"SADD", "str-set", "a", "b", "c"});
  for (int i = 0; i < 600; ++i) c.Command({"SADD", "big-set", std::to_string(i * 7)});
  c.Command({"ZADD", "small-z", "1", "a", "2.5", "b", "-inf", "c", "1e20", "d"});
  for (int i = 0; i < 200; ++i) {
    c.Command({"ZADD", "big-z", std::to_string(i) + ".25", "member-" + std::to_string(i)});
  }
  c.Command({"HSET", "small-h", "f1", "v1", "f2", "2", "f3", std::string(30, 'z')});
  for (int i = 0; i < 200; ++i) {
    c.Command({"HSET", "big-h", "field-" + std::to_string(i), "value-" + std::to_string(i)});
  }
  // Streams: shared and own fields (Redis packs the first as values only), a tombstone, a
  // stream emptied by XDEL (kept, with its last id), and several 100-entry nodes.
  c.Command({"XADD", "events", "1-1", "type", "sold", "price", "40"});
  c.Command({"XADD", "events", "1-2", "type", "sold", "price", "-41"});
  c.Command({"XADD", "events", "2-0", "type", "listed", "item", std::string("a\0\xff", 3)});
  c.Command({"XDEL", "events", "1-2"});
  c.Command({"XADD", "emptied", "5-5", "f", "v"});
  c.Command({"XDEL", "emptied", "5-5"});
  for (int i = 1; i <= 350; ++i) {
    c.Command({"XADD", "big-stream", std::to_string(i * 1000) + "-" + std::to_string(i % 3), "n",
               std::to_string(i), "payload", std::string(i % 70, 'p')});
  }
  c.Command({"XDEL", "big-stream", "5000-2", "150000-0"});
  c.Command({"XTRIM", "big-stream", "MAXLEN", "300"});
  c.Command({"XSETID", "big-stream", "999999999-0", "ENTRIESADDED", "1000", "MAXDELETEDID",
             "400000-0"});
  // Consumer groups: pending entries owned by two consumers (one deleted from the stream), a
  // consumer with none, a NOACK read, a group whose read counter is unknown, an empty stream's.
  c.Command({"XGROUP", "CREATE", "events", "shipping", "0"});
  c.Command({"XGROUP", "CREATE", "events", "audit", "0-0", "ENTRIESREAD", "7"});
  c.Command({"XREADGROUP", "GROUP", "shipping", "alice", "COUNT", "1", "STREAMS", "events", ">"});
  c.Command({"XREADGROUP", "GROUP", "shipping", "bob", "STREAMS", "events", ">"});
  c.Command({"XCLAIM", "events", "shipping", "bob", "0", "1-1", "TIME", "1700000000000",
             "RETRYCOUNT", "4", "JUSTID"});
  c.Command({"XGROUP", "CREATECONSUMER", "events", "shipping", "idle"});
  c.Command({"XREADGROUP", "GROUP", "audit", "carol", "NOACK", "STREAMS", "events", ">"});
  c.Command({"XGROUP", "CREATE", "big-stream", "g", "5000-1"});
  c.Command({"XREADGROUP", "GROUP", "g", "dave", "COUNT", "3", "STREAMS", "big-stream", ">"});
  c.Command({"XDEL", "big-stream", "6000-0"});
  c.Command({"XGROUP", "CREATE", "emptied", "g", "$"});
  c.Command({"SELECT", "3"});
  c.Command({"SET", "in-db3", "three"});
  c.Command({"HSET", "h3", "x", "y"});
  c.Command({"PEXPIRE", "h3", "5000000"});
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace bazaar::testing
