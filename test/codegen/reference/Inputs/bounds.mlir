// Functions that verify yet reach outside their tensors or recurse: the
// reference backend refuses them at run time (MLIR 19's verifier does not
// check static slice bounds).

func.func @extract_past_end(%x: tensor<4x4xf32>) -> tensor<2x2xf32> {
  %s = tensor.extract_slice %x[0, 0] [2, 2] [255, 1] : tensor<4x4xf32> to tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}

func.func @insert_past_end(%x: tensor<2x2xf32>, %d: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = tensor.insert_slice %x into %d[3, 0] [2, 2] [1, 1] : tensor<2x2xf32> into tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

func.func @pad_negative(%x: tensor<4x4xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[-1, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x4xf32> to tensor<3x4xf32>
  return %p : tensor<3x4xf32>
}

func.func @forever(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %y = func.call @forever(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// In bounds: the last element of each dim is reachable.
func.func @extract_last() -> tensor<2x1xf32> {
  %x = arith.constant dense<[[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0]]> : tensor<4x4xf32>
  %s = tensor.extract_slice %x[1, 3] [2, 1] [2, 1] : tensor<4x4xf32> to tensor<2x1xf32>
  return %s : tensor<2x1xf32>
}

// Reshapes keep the row-major data.
func.func @reshape() -> tensor<3x4xf32> {
  %x = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]]> : tensor<2x6xf32>
  %flat = tensor.collapse_shape %x [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  %y = tensor.expand_shape %flat [[0, 1]] output_shape [3, 4] : tensor<12xf32> into tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// 4e10 elements: refused before the splat is materialized.
func.func @huge_splat() -> tensor<200000x200000xf32> {
  %x = arith.constant dense<1.0> : tensor<200000x200000xf32>
  return %x : tensor<200000x200000xf32>
}

// 2^64 elements wrap to 0 in unchecked arithmetic (an empty .npy numpy
// cannot load was written).
func.func @wrapping_count() -> tensor<4294967296x4294967296xi8> {
  %x = tensor.empty() : tensor<4294967296x4294967296xi8>
  return %x : tensor<4294967296x4294967296xi8>
}
