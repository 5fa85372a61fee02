// A layer cut off in the middle of an op (driver-errors.test).
func.func @f(%x: tensor<8xf32>) {
  %y = qt.linear %x
