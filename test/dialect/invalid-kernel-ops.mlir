// RUN: qtc-opt %s --split-input-file --verify-diagnostics

func.func @arity(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{'qt.kernel' op body must take one argument per input: 1 inputs, 0 arguments}}
  %y = qt.kernel "neg" ins(%x : tensor<8xf32>) -> tensor<8xf32> {
    %c = arith.constant dense<1.0> : tensor<8xf32>
    qt.yield %c : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @argument_type(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{'qt.kernel' op body argument #0 has type 'tensor<4xf32>', its input 'tensor<8xf32>'}}
  %y = qt.kernel "neg" ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<4xf32>):
    %c = arith.constant dense<1.0> : tensor<8xf32>
    qt.yield %c : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @yield_types(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{'qt.kernel' op yields types that differ from its results}}
  %y = qt.kernel "neg" ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %c = arith.constant dense<1.0> : tensor<4xf32>
    qt.yield %c : tensor<4xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @isolated(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-note@+1 {{required by region isolation constraints}}
  %y = qt.kernel "neg" ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    // expected-error@+1 {{using value defined outside the region}}
    %r = arith.negf %x : tensor<8xf32>
    qt.yield %r : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @ukernel_unknown(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{no kernel 'elementwize' in the registry}}
  %y = qt.kernel "neg" calls #qt.ukernel<"elementwize", {op = "neg"}> ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %n = arith.negf %v : tensor<8xf32>
    qt.yield %n : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @ukernel_value_type(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{kernel elementwise: parameter op must be a boolean, an integer or a string}}
  %y = qt.kernel "neg" calls #qt.ukernel<"elementwise", {op = 1.0 : f32}> ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %n = arith.negf %v : tensor<8xf32>
    qt.yield %n : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @ukernel_missing(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{kernel elementwise: parameter op is missing}}
  %y = qt.kernel "neg" calls #qt.ukernel<"elementwise", {}> ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %n = arith.negf %v : tensor<8xf32>
    qt.yield %n : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

// A value the parameter does not allow is named with the allowed ones.
func.func @ukernel_value(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{kernel elementwise: op=negate is not allowed (expected add, sub, mul, scale, neg)}}
  %y = qt.kernel "neg" calls #qt.ukernel<"elementwise", {op = "negate"}> ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %n = arith.negf %v : tensor<8xf32>
    qt.yield %n : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @ukernel_extra(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+1 {{kernel elementwise has no parameter 'lanes' (its parameters: op)}}
  %y = qt.kernel "neg" calls #qt.ukernel<"elementwise", {lanes = 8, op = "neg"}> ins(%x : tensor<8xf32>) -> tensor<8xf32> {
  ^bb0(%v: tensor<8xf32>):
    %n = arith.negf %v : tensor<8xf32>
    qt.yield %n : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}
