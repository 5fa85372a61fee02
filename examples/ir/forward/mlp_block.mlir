// A Llama MLP block as `qtc import` spells it, in qt's [in, out] layout:
// y = x + down(swiglu(gate(n), up(n))), n = rmsnorm(x). The norm weight is
// frozen; `qtc compile --method lora` adapts the three projections.
func.func @mlp_block(%x: tensor<16x64xf32> {qt.name = "x"},
                     %nw: tensor<64xf32> {qt.frozen, qt.name = "norm"},
                     %wg: tensor<64x96xf32> {qt.name = "gate"},
                     %wu: tensor<64x96xf32> {qt.name = "up"},
                     %wd: tensor<96x64xf32> {qt.name = "down"}) -> tensor<16x64xf32> {
  %n = qt.rmsnorm %x, %nw eps 1.0e-05 : tensor<16x64xf32>, tensor<64xf32>
  %g = qt.linear %n, %wg : tensor<16x64xf32>, tensor<64x96xf32> -> tensor<16x96xf32>
  %u = qt.linear %n, %wu : tensor<16x64xf32>, tensor<64x96xf32> -> tensor<16x96xf32>
  %h = qt.swiglu %g, %u : tensor<16x96xf32>
  %d = qt.linear %h, %wd : tensor<16x96xf32>, tensor<96x64xf32> -> tensor<16x64xf32>
  %y = arith.addf %x, %d : tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
