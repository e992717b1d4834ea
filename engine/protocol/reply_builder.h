// Writes RESP replies into a connection's output buffer, in RESP2 or RESP3 (HELLO 3) framing.
// It never flushes: the server writes the buffer once per event-loop turn.
#ifndef BAZAAR_ENGINE_PROTOCOL_REPLY_BUILDER_H_
#define BAZAAR_ENGINE_PROTOCOL_REPLY_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace bazaar::engine::protocol {

class ReplyBuilder {
 public:
  // `out` must outlive the builder.
  explicit ReplyBuilder(std::string* out) : out_(out), target_(out) {}

  void set_resp(int version) { resp_ = version; }
  int resp() const { return resp_; }
  std::string* buffer() { return target_; }

  // CLIENT REPLY OFF / SKIP: while muted, replies are built and dropped. Pushes (Pub/Sub
  // messages and confirmations) still go out, written inside a PushScope, as in Redis.
  void set_muted(bool muted) {
    scratch_.clear();
    out_ = muted ? &scratch_ : target_;
  }
  class PushScope {
   public:
    explicit PushScope(ReplyBuilder& r) : r_(r), saved_(r.out_) { r.out_ = r.target_; }
    ~PushScope() { r_.out_ = saved_; }
    PushScope(const PushScope&) = delete;
    PushScope& operator=(const PushScope&) = delete;

   private:
    ReplyBuilder& r_;
    std::string* saved_;
  };

  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n"); }
  // `text` is the whole error line without '-', e.g. "ERR syntax error". CR and LF inside it
  // become spaces, as Redis does, so a reply can never be split.
  void Error(std::string_view text);
  // An error reply already counted in the error statistics where it arose (a script's command
  // that failed, its error passed on as the script's reply): a failed call, but not counted
  // again in errorstats or total_error_replies, as Redis does.
  void ErrorCountedElsewhere(std::string_view text);
  // Adds one error reply `text` to `counts` by its first word (at most 128 words, as Redis).
  static void CountByPrefix(std::map<std::string, uint64_t, std::less<>>* counts,
                            std::string_view text);
  void Integer(int64_t value);
  void Bulk(std::string_view s);
  void NullBulk();
  void NullArray();
  void ArrayHeader(size_t n);
  // A map of n key/value pairs: RESP3 '%', RESP2 a flat array of 2n.
  void MapHeader(size_t n);
  // A set of n elements: RESP3 '~', RESP2 an array.
  void SetHeader(size_t n);
  // Out-of-band data (Pub/Sub messages): RESP3 push '>', RESP2 an array.
  void PushHeader(size_t n);
  // A score: "%.17g" (inf and -inf spelled out), as a bulk string in RESP2 and a RESP3 double.
  void Double(double value);
  // Long text such as INFO: RESP3 verbatim string ("txt"), RESP2 bulk.
  void Verbatim(std::string_view s);
  void Raw(std::string_view bytes) { out_->append(bytes.data(), bytes.size()); }

  // Number of error replies written so far (the dispatcher counts failed calls with it).
  uint64_t error_count() const { return errors_; }
  // Those of them the error statistics count (total_error_replies).
  uint64_t counted_error_count() const { return errors_ - counted_elsewhere_; }
  // Where error replies are also counted by their first word ("ERR", "WRONGTYPE"...), for INFO
  // errorstats; null for none. Not owned.
  void set_error_counts(std::map<std::string, uint64_t, std::less<>>* counts) {
    error_counts_ = counts;
  }

 private:
  void Header(char type, int64_t n);
  std::string* out_;     // where replies go now: target_, or scratch_ while muted
  std::string* target_;  // the connection's output
  std::string scratch_;
  int resp_ = 2;
  uint64_t errors_ = 0;
  uint64_t counted_elsewhere_ = 0;
  std::map<std::string, uint64_t, std::less<>>* error_counts_ = nullptr;
};

}  // namespace bazaar::engine::protocol

#endif  // BAZAAR_ENGINE_PROTOCOL_REPLY_BUILDER_H_
