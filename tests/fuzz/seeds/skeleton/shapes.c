/* A corpus for the C skeleton: every shape the issue names. */
#include <stdio.h>
#include "shapes.h"

#define LIMIT 64
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* The counter every call bumps. */
static int counter;
int shared_total = 0, other_total;
const char *names[LIMIT];

/* A struct with a nested struct and an anonymous union. */
struct point {
	int x, y;
	struct inner {
		long depth;
	} in;
	union {
		int i;
		float f;
	};
};

typedef struct point point_t;

typedef struct {
	int a;
} anon_t;

enum color { RED, GREEN = 2, BLUE };

union value {
	int i;
	double d;
};

typedef int (*handler_fn)(int, char **);

int (*current_handler)(int, char **);

/* Adds two numbers,
 * the old way. */
int
add(a, b)
	int a;
	int b;
{
	return a + b;
}

// Scales a point.
static struct point *
scale(struct point *p, int k)
{
	p->x *= k;
	return p;
}

static inline unsigned long long big(void) { return 1ULL << 40; }

#ifdef CTX_DEBUG
void debug_dump(const struct point *p)
{
	printf("%d\n", p->x);
}
#else
void debug_dump(const struct point *p) { (void)p; }
#endif

char *const *(*getter(void))(int)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct point p = { 1, 2 };
	return add(argc, MAX(p.x, LIMIT)) + (int)big() + (scale(&p, 2) != 0) + (argv == 0);
}
