#include "load/html_report.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bazaar::load {
namespace {

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;  // one per second
};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// A line chart: x = seconds, y from 0 to the largest value (rounded up).
std::string Chart(const std::string& title, const std::string& unit,
                  const std::vector<Series>& series) {
  const int w = 640, h = 240, left = 60, right = 130, top = 28, bottom = 32;
  const int pw = w - left - right, ph = h - top - bottom;
  size_t n = 0;
  double ymax = 0;
  for (const auto& s : series) {
    n = std::max(n, s.values.size());
    for (double v : s.values) ymax = std::max(ymax, v);
  }
  if (ymax <= 0) ymax = 1;
  double mag = std::pow(10, std::floor(std::log10(ymax)));
  ymax = std::ceil(ymax / mag) * mag;
  auto x = [&](size_t i) { return left + (n <= 1 ? 0.0 : pw * double(i) / double(n - 1)); };
  auto y = [&](double v) { return top + ph - ph * v / ymax; };
  std::string svg = absl::StrFormat(
      "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'>"
      "<text x='%d' y='18' class='t'>%s</text>",
      w, h, w, h, left, Escape(title));
  for (int k = 0; k <= 4; ++k) {
    double v = ymax * k / 4;
    svg += absl::StrFormat(
        "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' class='g'/><text x='%d' y='%.1f' "
        "class='a' text-anchor='end'>%s</text>",
        left, left + pw, y(v), y(v), left - 6, y(v) + 4, absl::StrFormat("%.4g", v));
  }
  svg += absl::StrFormat("<text x='%d' y='%d' class='a'>%s</text>", 4, top - 8, Escape(unit));
  for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 10)) {
    svg += absl::StrFormat("<text x='%.1f' y='%d' class='a' text-anchor='middle'>%ds</text>", x(i),
                           h - 12, static_cast<int>(i + 1));
  }
  int legend_y = top + 8;
  for (const auto& s : series) {
    std::string pts;
    for (size_t i = 0; i < s.values.size(); ++i) {
      absl::StrAppendFormat(&pts, "%.1f,%.1f ", x(i), y(s.values[i]));
    }
    svg += absl::StrFormat(
        "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>"
        "<rect x='%d' y='%d' width='12' height='4' fill='%s'/>"
        "<text x='%d' y='%d' class='a'>%s</text>",
        s.color, pts, left + pw + 10, legend_y - 4, s.color, left + pw + 26, legend_y,
        Escape(s.name));
    legend_y += 18;
  }
  return svg + "</svg>";
}

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

std::string Section(const ScenarioRun& sr) {
  const std::vector<SecondView> secs = PerSecond(*sr.run);
  const int list = static_cast<int>(Op::kList), buy = static_cast<int>(Op::kPurchase);
  Series listed{"listed/s", "#1f77b4", {}}, bought{"bought/s", "#2ca02c", {}};
  Series buy50{"purchase p50", "#2ca02c", {}}, buy99{"purchase p99", "#98df8a", {}},
      list50{"list p50", "#1f77b4", {}}, list99{"list p99", "#aec7e8", {}};
  Series offered{"offered/s", "#7f7f7f", {}}, achieved{"achieved/s", "#2ca02c", {}};
  Series open{"listings open", "#1f77b4", {}}, median{"median price", "#ff7f0e", {}};
  std::map<std::string, Series> classes, methods;
  bool open_loop = false, market_known = false;
  for (const SecondView& v : secs) {
    listed.values.push_back(v.ok[list]);
    bought.values.push_back(v.ok[buy]);
    buy50.values.push_back(v.purchase_p50);
    buy99.values.push_back(v.purchase_p99);
    list50.values.push_back(v.list_p50);
    list99.values.push_back(v.list_p99);
    open_loop = open_loop || v.offered >= 0;
    offered.values.push_back(std::max(0.0, v.offered));
    achieved.values.push_back(std::max(0.0, v.achieved));
    market_known = market_known || v.listings_open >= 0;
    open.values.push_back(std::max<int64_t>(0, v.listings_open));
    median.values.push_back(std::max<int64_t>(0, v.median_price));
    for (const auto& [k, n] : v.key_class_aborts) classes[k].name = KeyClassLabel(k);
    for (const auto& [k, n] : v.method_conflicts) methods[k].name = k;
  }
  // Every series one value per second, zero where a class had no aborts that second.
  auto fill = [&](std::map<std::string, Series>& all, auto get) {
    std::vector<Series> out;
    size_t c = 0;
    for (auto& [k, series] : all) {
      series.color = kPalette[c++ % std::size(kPalette)];
      for (const SecondView& v : secs) {
        const auto& m = get(v);
        auto it = m.find(k);
        series.values.push_back(it == m.end() ? 0 : it->second);
      }
      out.push_back(series);
    }
    return out;
  };
  std::vector<Series> class_series = fill(
      classes, [](const SecondView& v) -> const auto& { return v.key_class_aborts; });
  std::vector<Series> method_series = fill(
      methods, [](const SecondView& v) -> const auto& { return v.method_conflicts; });
  std::string ok = !sr.invariants ? "not checked"
                   : sr.invariants->ok ? "<span class='ok'>invariants OK</span>"
                                       : "<span class='bad'>invariants VIOLATED</span>";
  std::string charts =
      Chart("Throughput (successful calls per second)", "calls/s", {listed, bought}) +
      Chart("Latency per second", "ms", {buy50, buy99, list50, list99});
  if (open_loop)
    charts += Chart("Open loop: sessions per second", "sessions/s", {offered, achieved});
  if (!class_series.empty()) {
    charts += Chart("Watch aborts by key class (the store's INFO)", "aborts/s", class_series);
  }
  if (!method_series.empty()) {
    charts += Chart("Watch conflicts by method (the market's Stats)", "aborts/s", method_series);
  }
  if (market_known) {
    charts += Chart("Market: open listings (every run's)", "listings", {open}) +
              Chart("Market: median listing price", "price", {median});
  }
  return absl::StrCat("<section><h2>", Escape(sr.scenario.name), " &middot; ", Escape(sr.backend),
                      " &middot; mode ", Escape(sr.mode), "</h2><p>", Escape(sr.target), ", ",
                      absl::StrFormat("%.1f s", sr.run->seconds), ", ", ok, "<br>",
                      Escape(sr.run->description), "</p>", charts, "</section>");
}

}  // namespace

std::string HtmlReport(const std::vector<ScenarioRun>& runs, const RunContext& context) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset='utf-8'><title>bazaar-load report</title><style>"
      "body{font-family:sans-serif;margin:24px;color:#222}h2{margin-bottom:4px}"
      "svg{margin:6px 12px 6px 0;border:1px solid #ddd;background:#fff}"
      ".t{font-size:14px;font-weight:bold}.a{font-size:11px;fill:#555}.g{stroke:#eee}"
      ".ok{color:#2a2}.bad{color:#c00;font-weight:bold}"
      "pre{background:#f6f6f6;padding:10px;font-size:12px;overflow-x:auto}"
      "</style></head><body><h1>bazaar-load report</h1>";
  std::string flags;
  for (const auto& [k, v] : context.flags) absl::StrAppend(&flags, " --", k, "=", v);
  html += absl::StrFormat("<p>commit %s, %s, %d cores</p><pre>bazaar-load%s</pre>",
                          Escape(context.commit), Escape(context.machine), context.cores,
                          Escape(flags));
  for (const auto& sr : runs) html += Section(sr);
  html += "<h2>Summary</h2><pre>" + Escape(TextReport(runs)) + "</pre></body></html>\n";
  return html;
}

}  // namespace bazaar::load
