#include <stdio.h>
#include "util.h"

static int hidden = 2;  // @main_hidden
int dup(void) { return 1; }  // @dup_main

int
main(int argc, char **argv)  // @main
{
	point_t p = { 1, 2 };  // @p ?point_t => @point_t
	struct point q;  // ?point => @point
	int n = SQUARE(argc);  // @n ?SQUARE => @square ?argc => @main
	for (int i = 0; i < n; i++) {  // @loop_i
		int argc = i;  // @shadow ?i => @loop_i
		n += argc;  // ?argc => @shadow ?n => @n
	}
	n += counter + hidden;  // ?counter => @counter_def ?hidden => @main_hidden
	n += twice(n) + only_declared();  // ?twice => @twice ?only_declared => @only_declared
	n += p.x + q.y;  // ?x => dynamic ?p => @p
	printf("%d %d\n", n, MODE_SLOW);  // ?printf => unresolved ?MODE_SLOW => @mode
	return dup() + (argv == 0);  // ?dup => @dup_main
}
