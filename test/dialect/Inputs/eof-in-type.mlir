func.func @f(%q: !qt.nf4<
