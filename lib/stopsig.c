#include "stopsig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static int stop_pipe[2] = { -1, -1 };
static unsigned bound;

static void
on_stop(int sig)
{
	static volatile sig_atomic_t stopping;
	int saved = errno;

	(void)!write(stop_pipe[1], "x", 1);
	if (stopping++)
		_exit(128 + sig);
	alarm(bound);
	errno = saved;
}

int
ctx_stopsig_install(unsigned bound_s)
{
	struct sigaction sa = { .sa_handler = on_stop };

	if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	bound = bound_s;
	signal(SIGALRM, SIG_DFL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return stop_pipe[0];
}
