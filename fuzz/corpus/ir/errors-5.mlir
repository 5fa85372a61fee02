func.func @scalars(%n: i32, %s: f32) -> (i32, f32) {
  return %n, %s : i32, f32
}
