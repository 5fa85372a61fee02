//===- IrNesting.cpp - Refuse IR nested deeper than the parser can take ---===//
#include "tools/common/IrNesting.h"

namespace qtc {

bool checkIrNesting(llvm::StringRef text, llvm::StringRef name,
                    llvm::raw_ostream &errs) {
  unsigned depth = 0, line = 1, column = 1;
  for (size_t i = 0; i < text.size(); ++i, ++column) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      column = 0;
    } else if (c == '"') {
      // A string literal: brackets inside are text; \" does not end it.
      for (++i, ++column; i < text.size() && text[i] != '"'; ++i, ++column) {
        if (text[i] == '\\')
          ++i, ++column;
        else if (text[i] == '\n')
          ++line, column = 0;
      }
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '-' && i + 1 < text.size() && text[i + 1] == '>') {
      ++i, ++column; // `->` closes nothing
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > kMaxIrNesting) {
        errs << name << ":" << line << ":" << column
             << ": error: the input nests brackets more than "
             << kMaxIrNesting << " deep here; refused before parsing\n";
        return false;
      }
    } else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0) {
      --depth;
    }
  }
  return true;
}

} // namespace qtc
