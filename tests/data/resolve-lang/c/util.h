#ifndef UTIL_H
#define UTIL_H

#define SQUARE(x) ((x) * (x))  // @square
typedef struct point {  // @point
	int x, y;
} point_t;  // @point_t

enum mode { MODE_FAST, MODE_SLOW };  // @mode

int scale(int v, int k);  // @scale_decl
extern int counter;  // @counter_decl
int only_declared(void);  // @only_declared
#endif
