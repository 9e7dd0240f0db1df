#include "util.h"

int counter = 0;  // @counter_def
static int hidden = 1;  // @hidden

int
scale(int v, int k)  // @scale_def
{
	return v * k + hidden;  // ?v => @scale_def ?hidden => @hidden
}

int
twice(int v)  // @twice
{
	int twice_local = scale(v, 2);  // @twice_local ?scale => @scale_def
	return twice_local;  // ?twice_local => @twice_local
}
