// A corpus for the JavaScript skeleton.
import fs from "fs";
import { join, dirname as dir } from "path";
import * as os from "os";
const util = require("util");

/** The default size. */
export const SIZE = 10;

let counter = 0, other;

/**
 * A shape with private state.
 */
export class Shape extends Base {
	#secret = 1;
	static count = 0;
	name;

	constructor(name) {
		super();
		this.name = name;
	}

	/** The area; zero for a point. */
	get area() { return 0; }
	set area(v) {}

	static create() { return new Shape("x"); }

	async *items() {}

	#hide() {}
}

/** Adds. */
export function add(a, b) {
	return a + b;
}

export const mul = (a, b) => a * b;

const handler = async function named(x) { return x; };

function* gen() { yield 1; }

export default class {
	run() {}
}

module.exports = { add };
module.exports.helper = function (x) { return x; };
exports.other = () => 1;
