//===- WeightCatalog.cpp - The tensors an importer may bind ---------------===//
#include "import/WeightCatalog.h"

namespace qtc {

WeightCatalog catalogOf(const Checkpoint &checkpoint) {
  WeightCatalog catalog;
  for (const std::string &name : checkpoint.names()) {
    const SafetensorsEntry *entry = checkpoint.find(name);
    WeightInfo &info = catalog[name];
    info = {entry->dtype, entry->shape, std::nullopt};
    if (const AffineForm *form = checkpoint.affineForm(name))
      info.affine = *form;
  }
  return catalog;
}

} // namespace qtc
