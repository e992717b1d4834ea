// JsonWriter: builds a JSON document by appending values, for the --json output of bazaar-cli and
// the reports of bazaar-load. Keys and strings are escaped; doubles are written with up to 6
// significant decimals (NaN/inf as null). Commas are placed automatically.
//
//   JsonWriter w;
//   w.BeginObject().Key("listed").Int(5).Key("reasons").BeginArray().String("x").EndArray()
//    .EndObject();
//   w.str()  ->  {"listed":5,"reasons":["x"]}
//
// Not thread-safe. The caller keeps Begin/End balanced.
#ifndef BAZAAR_CLIENT_FORMAT_JSON_WRITER_H_
#define BAZAAR_CLIENT_FORMAT_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace bazaar::client {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(const std::string& key);
  JsonWriter& String(const std::string& value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

  // `s` as a quoted JSON string.
  static std::string Quote(const std::string& s);

 private:
  void BeforeValue();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_FORMAT_JSON_WRITER_H_
