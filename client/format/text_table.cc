#include "client/format/text_table.h"

#include <algorithm>

namespace bazaar::client {
namespace {

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.' && c != '-' && c != '+' && c != '%' && c != ',' && c != '<' &&
               c != 'x' && c != ' ' && c != 'm' && c != 's' && c != '/') {
      return false;
    }
  }
  return digit;
}

}  // namespace

std::string TextTable::Render(const std::string& indent) const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) width[i] = header_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string l = indent;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      bool right = !header && i > 0 && LooksNumeric(cell);
      l += right ? pad + cell : cell + pad;
      if (i + 1 < width.size()) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header_, true);
  std::string rule = indent;
  for (size_t i = 0; i < width.size(); ++i) {
    rule += std::string(width[i], '-');
    if (i + 1 < width.size()) rule += "  ";
  }
  out += rule + "\n";
  for (const auto& row : rows_) line(row, false);
  return out;
}

}  // namespace bazaar::client
