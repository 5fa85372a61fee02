func.func @pack_unpack(%m: tensor<8x64xi8>, %e: tensor<8x2xi8>,
                       %codes: tensor<256x64xi8>, %scales: tensor<2x64xf32>,
                       %zeros: tensor<2x64xi8>, %fzeros: tensor<2x64xf32>,
                       %gidx: tensor<256xi32>, %nf4: tensor<2048xi8>,
                       %absmax: tensor<64xf32>, %tern: tensor<16x4xi8>) {
  %0 = qt.pack %m, %e : (tensor<8x64xi8>, tensor<8x2xi8>) -> !qt.gse<8x64, axis = 1>
  %1:2 = qt.unpack %0 : !qt.gse<8x64, axis = 1> -> (tensor<8x64xi8>, tensor<8x2xi8>)
  %2 = qt.pack %codes, %scales, %zeros : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xi8>) -> !qt.affine<256x64, bits = 4, group = 128>
  %3 = qt.pack %codes, %scales, %fzeros, %gidx : (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>) -> !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true>
  %4:4 = qt.unpack %3 : !qt.affine<256x64, bits = 4, group = 128, zero = float, g_idx = true> -> (tensor<256x64xi8>, tensor<2x64xf32>, tensor<2x64xf32>, tensor<256xi32>)
  %5 = qt.pack %nf4, %absmax : (tensor<2048xi8>, tensor<64xf32>) -> !qt.nf4<64x64>
  %6 = qt.pack %tern : (tensor<16x4xi8>) -> !qt.ternary<16x4>
  %7 = qt.unpack %6 : !qt.ternary<16x4> -> (tensor<16x4xi8>)
  return
}
