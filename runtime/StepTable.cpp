//===- StepTable.cpp - Reading a compiled step's tensor table -------------===//
#include "runtime/StepTable.h"

#include <cstring>

namespace qtc {

std::string describeStepTensor(const qtc_tensor_info &info) {
  return "'" + std::string(info.name) + "' (" + dtypeName(stepDType(info)) +
         " " + formatShape(stepShape(info)) + ")";
}

const char *stepRoleName(qtc_role role) {
  switch (role) {
  case QTC_ROLE_INPUT:
    return "input";
  case QTC_ROLE_WEIGHT:
    return "weight";
  case QTC_ROLE_PARAM:
    return "param";
  case QTC_ROLE_STATE:
    return "state";
  case QTC_ROLE_GRAD:
    return "grad";
  case QTC_ROLE_STEP:
    return "step";
  case QTC_ROLE_SEED:
    return "seed";
  case QTC_ROLE_GRAD_NORM:
    return "grad_norm";
  case QTC_ROLE_RESULT:
    return "result";
  case QTC_ROLE_LR_SCALE:
    return "lr_scale";
  }
  return "?";
}

HostTensor scalarTensor(DType dtype, const void *value) {
  HostTensor t(dtype, {});
  std::memcpy(t.bytes.data(), value, t.bytes.size());
  return t;
}

int findStepArgument(const qtc_program &program, const std::string &name) {
  for (int i = 0; i < program.num_args; ++i)
    if (name == program.args[i].name)
      return i;
  return -1;
}

int findStepArgument(const qtc_program &program, qtc_role role) {
  for (int i = 0; i < program.num_args; ++i)
    if (program.args[i].role == role)
      return i;
  return -1;
}

} // namespace qtc
