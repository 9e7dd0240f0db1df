import Shape, { add, PI as pi, exposed } from "./lib.js";
import * as lib from "./lib.js";
import { plus, extra } from "./reexport.js";
const cjs = require("./cjs.js");
import fs from "fs";

function run(n) {  // @run
	const s = new Shape();  // @s ?Shape => @shape
	let total = add(n, pi) + exposed();  // @total ?add => @add ?pi => @pi ?exposed => @internal ?n => @run
	total += lib.add(1, 2) + plus(1, 2) + extra();  // ?add => @add ?plus => @add ?extra => @extra
	total += cjs.helper(total) + s.area();  // ?helper => @helper ?area => dynamic
	try {
		fs.readFileSync("x");  // ?readFileSync => unresolved ?fs => unresolved
	} catch (err) {  // @err
		console.log(err, hoisted());  // ?err => @err ?console => builtin ?hoisted => @hoisted
	}
	function hoisted() { return total; }  // @hoisted ?total => @total
	return total;
}

run(1);  // ?run => @run
