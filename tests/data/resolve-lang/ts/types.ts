export interface Point {  // @point
	x: number;  // @point_x
}

export type ID = string;  // @id

export enum Color { Red, Green }  // @color

export function parse(s: string): number;  // @parse_sig
export function parse(s: any): number {  // @parse_impl
	return Number(s);
}
