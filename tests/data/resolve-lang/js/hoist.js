var x = 1;  // @x_global
function f(a) {
  if (a) { var x = 2; }  // @x_local
  return x;  // ?x => @x_local
}
for (var i = 0; i < 3; i++) {}  // @i
console.log(i, x);  // ?i => @i ?x => @x_global
outer: for (;;) { break outer; }  // @outer_label ?outer#2 => @outer_label
var outer = 5;  // @outer_var
f(outer);  // ?outer => @outer_var
