func.func @f(%q: !qt.gse<8x64, axis = 1, bits = 9>)
