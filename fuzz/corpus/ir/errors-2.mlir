func.func @embed(%table: tensor<10x4xf32>, %ids: tensor<3xi64>) -> tensor<3x4xf32> {
  %x = qt.embedding %table, %ids : tensor<10x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  return %x : tensor<3x4xf32>
}
