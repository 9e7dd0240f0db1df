import type { Point, ID } from "./types";
import { Color, parse } from "./types";

namespace Geo {  // @geo
	export const origin = 0;
}

export class Canvas {  // @canvas
	private points: Point[] = [];  // @points ?Point => @point
	draw(id: ID, c: Color = Color.Red): number {  // @draw ?ID => @id ?Color => @color
		const n = parse(String(id));  // @n ?parse => @parse_impl ?id => @draw
		return n + this.points.length + Geo.origin;  // ?points => dynamic ?Geo => @geo
	}
}

const canvas = new Canvas();  // ?Canvas => @canvas
