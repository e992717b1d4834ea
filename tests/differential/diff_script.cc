#include "diff_script.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace bazaar::testing::diff {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// After a closing quote at line[*i - 1]: accepts end, whitespace, or "*N" then end/whitespace.
// Applies the repetition to `current` (the text of the quoted part and what preceded it).
bool AfterClosingQuote(std::string_view line, size_t* i, std::string* current) {
  if (*i >= line.size() || IsSpace(line[*i])) return true;
  if (line[*i] != '*') return false;
  size_t j = *i + 1;
  size_t start = j;
  while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
  if (j == start || (j < line.size() && !IsSpace(line[j]))) return false;
  long n = std::strtol(std::string(line.substr(start, j - start)).c_str(), nullptr, 10);
  std::string unit = *current;
  current->clear();
  current->reserve(unit.size() * n);
  for (long k = 0; k < n; ++k) current->append(unit);
  *i = j;
  return true;
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<Token>* out, std::string* error) {
  size_t i = 0;
  out->clear();
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size()) return true;
    Token tok;
    bool done = false;
    while (!done) {
      if (i >= line.size()) break;
      char c = line[i];
      if (c == '"') {
        tok.quoted = true;
        ++i;
        bool closed = false;
        while (i < line.size()) {
          char d = line[i];
          if (d == '\\' && i + 3 < line.size() && line[i + 1] == 'x' &&
              HexValue(line[i + 2]) >= 0 && HexValue(line[i + 3]) >= 0) {
            tok.text.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
            i += 4;
          } else if (d == '\\' && i + 1 < line.size()) {
            char e = line[i + 1];
            switch (e) {
              case 'n': tok.text.push_back('\n'); break;
              case 'r': tok.text.push_back('\r'); break;
              case 't': tok.text.push_back('\t'); break;
              case 'b': tok.text.push_back('\b'); break;
              case 'a': tok.text.push_back('\a'); break;
              case '0': tok.text.push_back('\0'); break;
              default: tok.text.push_back(e); break;
            }
            i += 2;
          } else if (d == '"') {
            ++i;
            closed = true;
            break;
          } else {
            tok.text.push_back(d);
            ++i;
          }
        }
        if (!closed || !AfterClosingQuote(line, &i, &tok.text)) {
          *error = "unbalanced double quotes";
          return false;
        }
        done = true;
      } else if (c == '\'') {
        tok.quoted = true;
        ++i;
        bool closed = false;
        while (i < line.size()) {
          char d = line[i];
          if (d == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
            tok.text.push_back('\'');
            i += 2;
          } else if (d == '\'') {
            ++i;
            closed = true;
            break;
          } else {
            tok.text.push_back(d);
            ++i;
          }
        }
        if (!closed || !AfterClosingQuote(line, &i, &tok.text)) {
          *error = "unbalanced single quotes";
          return false;
        }
        done = true;
      } else if (IsSpace(c)) {
        done = true;
      } else {
        tok.text.push_back(c);
        ++i;
      }
    }
    out->push_back(std::move(tok));
  }
}

namespace {

bool IsConnName(const Token& t) {
  if (t.quoted || t.text.size() < 2 || t.text.back() != ':') return false;
  for (size_t k = 0; k + 1 < t.text.size(); ++k) {
    char c = t.text[k];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

bool ParseInt(const std::string& s, long long* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

}  // namespace

bool ParseScript(const std::string& path, const std::string& text, Script* script,
                 std::string* error) {
  script->path = path;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool seen_step = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    auto fail = [&](const std::string& msg) {
      *error = path + ":" + std::to_string(lineno) + ": " + msg + ": " + line;
      return false;
    };
    std::vector<Token> toks;
    std::string split_error;
    if (!SplitArgs(line, &toks, &split_error)) return fail(split_error);
    Step step;
    step.line = lineno;
    step.source = line.substr(first);
    size_t t = 0;
    if (t < toks.size() && IsConnName(toks[t])) {
      step.conn = toks[t].text.substr(0, toks[t].text.size() - 1);
      ++t;
    }
    bool is_command = true;
    while (t < toks.size() && !toks[t].quoted && !toks[t].text.empty() && toks[t].text[0] == '@') {
      const std::string& m = toks[t].text;
      ++t;
      auto need_arg = [&](std::string* v) {
        if (t >= toks.size()) return false;
        *v = toks[t++].text;
        return true;
      };
      std::string arg;
      long long n = 0;
      if (m == "@server") {
        if (seen_step) return fail("@server must come before the first step");
        for (; t < toks.size(); ++t) script->server_args.push_back(toks[t].text);
        is_command = false;
        step.kind = StepKind::kSleep;  // placeholder, dropped below
        step.sleep_ms = -1;
        break;
      } else if (m == "@sleep") {
        if (!need_arg(&arg) || !ParseInt(arg, &n) || n < 0) return fail("@sleep needs ms");
        step.kind = StepKind::kSleep;
        step.sleep_ms = static_cast<int>(n);
        is_command = false;
      } else if (m == "@raw") {
        if (!need_arg(&arg) || !ParseInt(arg, &n) || n < 0) return fail("@raw needs a count");
        step.kind = StepKind::kRaw;
        step.raw_replies = static_cast<int>(n);
        for (; t < toks.size(); ++t) step.raw += toks[t].text;
        is_command = false;
      } else if (m == "@closed") {
        step.kind = StepKind::kClosed;
        is_command = false;
      } else if (m == "@close") {
        step.kind = StepKind::kClose;
        is_command = false;
      } else if (m == "@hello3") {
        step.kind = StepKind::kHello3;
        is_command = false;
      } else if (m == "@sort") {
        step.sort = true;
      } else if (m == "@mask") {
        step.mask = true;
      } else if (m == "@type") {
        step.type_only = true;
      } else if (m == "@scan") {
        step.scan = true;
      } else if (m == "@near") {
        if (!need_arg(&arg) || !ParseInt(arg, &n) || n < 0) return fail("@near needs a number");
        step.near = n;
      } else if (m == "@fields") {
        if (!need_arg(&arg)) return fail("@fields needs a,b,c");
        std::stringstream ss(arg);
        std::string f;
        while (std::getline(ss, f, ',')) {
          if (!f.empty()) step.fields.push_back(f);
        }
      } else {
        return fail("unknown directive " + m);
      }
    }
    if (step.kind == StepKind::kSleep && step.sleep_ms == -1) continue;  // @server line
    if (is_command) {
      for (; t < toks.size(); ++t) step.argv.push_back(toks[t].text);
      if (step.argv.empty()) return fail("no command");
    } else if (t < toks.size()) {
      return fail("unexpected text after directive");
    }
    seen_step = true;
    script->steps.push_back(std::move(step));
  }
  return true;
}

namespace {

bool ParseAt(std::string_view b, size_t* pos, RespValue* out) {
  size_t start = *pos;
  if (start >= b.size()) return false;
  size_t crlf = b.find("\r\n", start);
  if (crlf == std::string_view::npos) return false;
  out->type = b[start];
  out->header = std::string(b.substr(start + 1, crlf - start - 1));
  size_t p = crlf + 2;
  long long n = std::strtoll(out->header.c_str(), nullptr, 10);
  switch (out->type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      break;
    case '$': case '!': case '=':
      if (n >= 0) {
        if (b.size() < p + n + 2) return false;
        out->body = std::string(b.substr(p, n));
        p += n + 2;
      }
      break;
    case '*': case '~': case '>': case '%': case '|': {
      if (n < 0) break;
      long long count = (out->type == '%' || out->type == '|') ? n * 2 : n;
      for (long long k = 0; k < count; ++k) {
        RespValue child;
        if (!ParseAt(b, &p, &child)) return false;
        out->children.push_back(std::move(child));
      }
      break;
    }
    default:
      return false;
  }
  out->raw = std::string(b.substr(start, p - start));
  *pos = p;
  return true;
}

bool IsAggregate(char t) { return t == '*' || t == '~' || t == '>' || t == '%' || t == '|'; }

void SortValue(RespValue* v) {
  if (!IsAggregate(v->type)) return;
  for (auto& c : v->children) SortValue(&c);
  bool leaf = std::none_of(v->children.begin(), v->children.end(),
                           [](const RespValue& c) { return IsAggregate(c.type); });
  if (v->type == '%') {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t k = 0; k + 1 < v->children.size(); k += 2) {
      pairs.emplace_back(SerializeResp(v->children[k]), SerializeResp(v->children[k + 1]));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string raw = "%" + v->header + "\r\n";
    for (auto& [k, val] : pairs) raw += k + val;
    RespValue sorted;
    size_t pos = 0;
    ParseAt(raw, &pos, &sorted);
    *v = std::move(sorted);
    return;
  }
  if (leaf && (v->type == '*' || v->type == '~')) {
    std::sort(v->children.begin(), v->children.end(),
              [](const RespValue& a, const RespValue& b) { return a.raw < b.raw; });
  }
  v->raw = SerializeResp(*v);
}

}  // namespace

bool ParseResp(std::string_view bytes, RespValue* out) {
  size_t pos = 0;
  return ParseAt(bytes, &pos, out) && pos == bytes.size();
}

std::string SerializeResp(const RespValue& v) {
  std::string s(1, v.type);
  s += v.header + "\r\n";
  if (v.type == '$' || v.type == '!' || v.type == '=') {
    if (std::strtoll(v.header.c_str(), nullptr, 10) >= 0) s += v.body + "\r\n";
  } else if (IsAggregate(v.type)) {
    for (const auto& c : v.children) s += SerializeResp(c);
  }
  return s;
}

std::string SortLeafArrays(std::string_view reply) {
  RespValue v;
  if (!ParseResp(reply, &v)) return std::string(reply);
  SortValue(&v);
  return SerializeResp(v);
}

namespace {

// "127.0.0.1:53211": a client address, whose port differs between the two servers.
bool IsClientAddress(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') return false;
  }
  return true;
}

// A decimal number, as RESP2 sends a double ("99.568855285644531", "100").
bool IsDecimal(const std::string& s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0, digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !dot && digits > 0) {
      dot = true;
    } else if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && s.back() != '.';
}

void MaskValue(RespValue* v) {
  if (v->type == ':') v->header = "#";
  if (v->type == ',') v->header = "#.#";
  if (v->type == '$' && IsDecimal(v->body)) {
    v->body = "#.#";
    v->header = "3";
  }
  if (v->type == '$' && IsClientAddress(v->body)) {
    v->body = "<addr>";
    v->header = "6";
  }
  for (auto& c : v->children) MaskValue(&c);
}

}  // namespace

std::string MaskTimings(std::string_view reply) {
  RespValue v;
  if (!ParseResp(reply, &v)) return std::string(reply);
  MaskValue(&v);
  return SerializeResp(v);
}

std::string ExtractFields(std::string_view reply, const std::vector<std::string>& fields) {
  RespValue v;
  std::string text(reply);
  if (ParseResp(reply, &v) && (v.type == '$' || v.type == '=')) {
    text = v.body;
    if (v.type == '=' && text.size() >= 4) text = text.substr(4);  // "txt:" prefix
  } else if (ParseResp(reply, &v) && v.type == '+') {
    text = v.header;  // a status line such as DEBUG OBJECT's
  } else if (ParseResp(reply, &v)) {
    return "<type " + std::string(1, v.type) + ">";
  }
  // Tokens separated by whitespace; each "name=value" or "name:value".
  std::vector<std::pair<std::string, std::string>> kv;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !IsSpace(text[j])) ++j;
    if (j > i) {
      std::string tok = text.substr(i, j - i);
      size_t sep = tok.find_first_of("=:");
      if (sep != std::string::npos) kv.emplace_back(tok.substr(0, sep), tok.substr(sep + 1));
    }
    i = j;
  }
  std::string out;
  for (const auto& f : fields) {
    out += f + "=";
    auto it = std::find_if(kv.begin(), kv.end(), [&](const auto& p) { return p.first == f; });
    out += it == kv.end() ? "<missing>" : it->second;
    out += " ";
  }
  return out;
}

std::string Escape(std::string_view bytes, size_t limit) {
  std::string out;
  size_t n = std::min(bytes.size(), limit);
  for (size_t k = 0; k < n; ++k) {
    unsigned char c = bytes[k];
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out.push_back(static_cast<char>(c));
        } else {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
    }
  }
  if (bytes.size() > limit) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return "\"" + out + "\"";
}

}  // namespace bazaar::testing::diff
