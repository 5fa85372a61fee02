//===- WeightCatalog.cpp - The tensors an importer may bind ---------------===//
#include "import/WeightCatalog.h"

namespace qtc {

WeightCatalog catalogOf(const Checkpoint &checkpoint) {
  WeightCatalog catalog;
  for (const std::string &name : checkpoint.names()) {
    const SafetensorsEntry *entry = checkpoint.find(name);
    catalog[name] = {entry->dtype, entry->shape};
  }
  return catalog;
}

} // namespace qtc
