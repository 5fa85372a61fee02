//===- LossCurve.cpp - A training run's loss curve as SVG -----------------===//
#include "tools/qtc/LossCurve.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace qtc::driver {

Status readLossHistory(const std::string &metricsPath, LossHistory &out) {
  std::ifstream in(metricsPath);
  if (!in)
    return Status::error("cannot read '" + metricsPath + "'");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    nlohmann::json object =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object() || !object.contains("step") ||
        !object["step"].is_number())
      return Status::error("'" + metricsPath + "' line " +
                           std::to_string(number) +
                           " is not a metrics object with a step");
    double step = object["step"].get<double>();
    for (auto [key, series] :
         {std::pair<const char *, std::vector<std::pair<double, double>> *>{
              "loss", &out.train},
          {"eval_loss", &out.eval}})
      if (object.contains(key) && object[key].is_number())
        series->push_back({step, object[key].get<double>()});
  }
  return Status::success();
}

namespace {

std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      // Control characters are not allowed in XML 1.0 text.
      if (static_cast<unsigned char>(c) >= 0x20 || c == '\t')
        out += c;
    }
  }
  return out;
}

std::string format(const char *spec, double value) {
  char text[64];
  std::snprintf(text, sizeof text, spec, value);
  return text;
}

} // namespace

std::string lossCurveSvg(const LossHistory &history, const std::string &title) {
  constexpr double kWidth = 720, kHeight = 420, kLeft = 70, kRight = 20,
                   kTop = 40, kBottom = 50;
  double maxStep = 1, lo = INFINITY, hi = -INFINITY;
  for (const auto *series : {&history.train, &history.eval})
    for (auto [step, loss] : *series) {
      if (!std::isfinite(loss))
        continue;
      maxStep = std::max(maxStep, step);
      lo = std::min(lo, loss);
      hi = std::max(hi, loss);
    }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-6)
    hi = lo + 1e-6;
  double plotW = kWidth - kLeft - kRight, plotH = kHeight - kTop - kBottom;
  auto x = [&](double step) { return kLeft + plotW * step / maxStep; };
  auto y = [&](double loss) {
    return kTop + plotH * (1 - (loss - lo) / (hi - lo));
  };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  format("%.0f", kWidth) + "\" height=\"" +
                  format("%.0f", kHeight) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + format("%.0f", kLeft) + "\" y=\"24\" font-size=\"14\">" +
       escapeXml(title) + "</text>\n";
  // Axes with five ticks each.
  s += "<g stroke=\"#888\">\n";
  s += "<line x1=\"" + format("%.1f", kLeft) + "\" y1=\"" +
       format("%.1f", kTop + plotH) + "\" x2=\"" +
       format("%.1f", kLeft + plotW) + "\" y2=\"" +
       format("%.1f", kTop + plotH) + "\"/>\n";
  s += "<line x1=\"" + format("%.1f", kLeft) + "\" y1=\"" +
       format("%.1f", kTop) + "\" x2=\"" + format("%.1f", kLeft) + "\" y2=\"" +
       format("%.1f", kTop + plotH) + "\"/>\n</g>\n";
  for (int i = 0; i <= 4; ++i) {
    double step = maxStep * i / 4, loss = lo + (hi - lo) * i / 4;
    s += "<text x=\"" + format("%.1f", x(step)) + "\" y=\"" +
         format("%.1f", kTop + plotH + 18) + "\" text-anchor=\"middle\">" +
         format("%.0f", step) + "</text>\n";
    s += "<text x=\"" + format("%.1f", kLeft - 6) + "\" y=\"" +
         format("%.1f", y(loss) + 4) + "\" text-anchor=\"end\">" +
         format("%.3g", loss) + "</text>\n";
  }
  s += "<text x=\"" + format("%.1f", kLeft + plotW / 2) + "\" y=\"" +
       format("%.1f", kHeight - 10) + "\" text-anchor=\"middle\">step</text>\n";
  s += "<text transform=\"translate(16 " + format("%.1f", kTop + plotH / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">loss (nats/token)</text>\n";
  auto polyline = [&](const std::vector<std::pair<double, double>> &series,
                      const char *color, bool dots) {
    std::string points;
    for (auto [step, loss] : series)
      if (std::isfinite(loss))
        points += format("%.1f", x(step)) + "," + format("%.1f", y(loss)) + " ";
    std::string out = "<polyline fill=\"none\" stroke=\"" + std::string(color) +
                      "\" stroke-width=\"1.5\" points=\"" + points + "\"/>\n";
    if (dots)
      for (auto [step, loss] : series)
        if (std::isfinite(loss))
          out += "<circle cx=\"" + format("%.1f", x(step)) + "\" cy=\"" +
                 format("%.1f", y(loss)) + "\" r=\"3\" fill=\"" + color +
                 "\"/>\n";
    return out;
  };
  s += polyline(history.train, "#1f77b4", false);
  s += polyline(history.eval, "#d62728", true);
  double legendX = kLeft + plotW - 150;
  s += "<text x=\"" + format("%.1f", legendX) + "\" y=\"" +
       format("%.1f", kTop + 14) + "\" fill=\"#1f77b4\">training loss</text>\n";
  s += "<text x=\"" + format("%.1f", legendX) + "\" y=\"" +
       format("%.1f", kTop + 30) + "\" fill=\"#d62728\">held-out loss</text>\n";
  s += "</svg>\n";
  return s;
}

} // namespace qtc::driver
