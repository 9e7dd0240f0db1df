/* workspace: where a tool works, as SPEC.md §1 sets it: the root (--root > $CTX_ROOT > the
 * current directory, as a real path), its segment id, the telemetry directory (--dir >
 * $CTX_TELEMETRY_DIR > ROOT/_ctx/telemetry) and the run id ($CTX_RUN_ID, else
 * run_<unix seconds>_<pid>). */
#ifndef CTX_WORKSPACE_H
#define CTX_WORKSPACE_H

#include <stdbool.h>

struct ctx_workspace {
	char *root;       /* real path of the root; owned */
	char *root_given; /* the root as given, made absolute but not resolved; owned */
	char *dir;        /* telemetry directory; owned */
	char *run_id;     /* owned */
	char segment_id[9];
};

/* Fill w from the options (NULL when not given) and the environment. Returns 0, or a
 * negative errno with *what naming what failed (the root). Free with ctx_workspace_free. */
int ctx_workspace_init(struct ctx_workspace *w, const char *root_opt, const char *dir_opt,
    const char **what);
void ctx_workspace_free(struct ctx_workspace *w);

/* True when $CTX_NO_TELEMETRY is "1" (no telemetry file may be created or written). */
bool ctx_workspace_no_telemetry(void);

/* Parse a decimal integer in [min, max]. Returns 0, or -EINVAL (*out unchanged). */
int ctx_parse_long(const char *s, long min, long max, long *out);

#endif
