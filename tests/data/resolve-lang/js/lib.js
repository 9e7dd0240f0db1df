export function add(a, b) {  // @add
	return a + b;  // ?a => @add
}

export const PI = 3.14;  // @pi

function internal() { return 1; }  // @internal
export { internal as exposed };

export default class Shape {  // @shape
	area() { return internal(); }  // @area ?internal => @internal
}
