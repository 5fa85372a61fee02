func.func @selected(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %y = qt.kernel "add" calls #qt.ukernel<"elementwise", {op = "add"}> ins(%a, %b : tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%x: tensor<8xf32>, %z: tensor<8xf32>):
    %s = arith.addf %x, %z : tensor<8xf32>
    qt.yield %s : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}
