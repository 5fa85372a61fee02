//===- Status.h - Success or an error message -------------------*- C++ -*-===//
//
// qtc builds without C++ exceptions (Debian's LLVM is built that way), so
// everything that can fail on user data returns a Status. No MLIR or LLVM
// types: the runtime ships alone with a compiled model.
//
//===----------------------------------------------------------------------===//
#ifndef QTC_RUNTIME_STATUS_H
#define QTC_RUNTIME_STATUS_H

#include <string>
#include <utility>

namespace qtc {

class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.failed = true;
    status.text = std::move(message);
    return status;
  }

  bool ok() const { return !failed; }
  const std::string &message() const { return text; }

  /// Prefixes the message with where it happened ("argument %x: ...").
  Status withContext(const std::string &context) const {
    return failed ? error(context + ": " + text) : success();
  }

private:
  bool failed = false;
  std::string text;
};

#define QTC_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    ::qtc::Status qtcStatus_ = (expr);                                         \
    if (!qtcStatus_.ok())                                                      \
      return qtcStatus_;                                                       \
  } while (false)

} // namespace qtc

#endif // QTC_RUNTIME_STATUS_H
