// TextTable: a plain-text table with aligned columns for the human output of bazaar-cli and
// bazaar-load. Cells that look like numbers are right-aligned, others left-aligned.
//
//   TextTable t({"op", "count"});
//   t.AddRow({"list", "12"});
//   std::string s = t.Render();   // header, a rule of dashes, the rows; each line ends in '\n'
#ifndef BAZAAR_CLIENT_FORMAT_TEXT_TABLE_H_
#define BAZAAR_CLIENT_FORMAT_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace bazaar::client {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // Rows shorter than the header are padded with empty cells.
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }
  std::string Render(const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace bazaar::client

#endif  // BAZAAR_CLIENT_FORMAT_TEXT_TABLE_H_
