// A corpus for the TypeScript skeleton.
import type { Readable } from "stream";
import { EventEmitter } from "events";
import path = require("path");

/** A point in the plane. */
export interface Point extends Base {
	x: number;
	y: number;
	norm(): number;
}

export type ID = string | number;

type Pair<A, B> = [A, B];

export enum Color { Red, Green = "g" }

const enum Flag { On = 1 }

export namespace Geometry {
	export const ORIGIN = 0;
	export function dist(a: Point, b: Point): number {
		return 0;
	}
	namespace Inner {
		class Hidden {}
	}
}

declare module "ambient" {
	export function ambient(): void;
}

/** Overloaded. */
export function parse(s: string): number;
export function parse(n: number): number;
export function parse(x: any): number {
	return Number(x);
}

@Component({ selector: "x" })
export abstract class Base<T> extends EventEmitter implements Point {
	x = 0;
	y: number = 0;
	private readonly secret?: string;
	abstract norm(): number;
	@Input() label: string;
	constructor(private readonly value: T) {
		super();
	}
	protected static make<U>(u: U): Base<U> | null {
		return null;
	}
	get size(): number { return 1; }
}

export const identity = <T,>(x: T): T => x;

declare function external(x: number): string;

export default function main(): void {}
