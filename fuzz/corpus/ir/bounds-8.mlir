func.func @wrapping_count() -> tensor<4294967296x4294967296xi8> {
  %x = tensor.empty() : tensor<4294967296x4294967296xi8>
  return %x : tensor<4294967296x4294967296xi8>
}
