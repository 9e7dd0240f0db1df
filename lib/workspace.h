/* workspace: where a tool works, as SPEC.md §1 sets it: the root (--root > $CTX_ROOT > the
 * current directory, as a real path), its segment id, the telemetry directory (--dir >
 * $CTX_TELEMETRY_DIR > ROOT/_ctx/telemetry) and the run id ($CTX_RUN_ID, else
 * run_<unix seconds>_<pid>). */
#ifndef CTX_WORKSPACE_H
#define CTX_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

struct ctx_workspace {
	char *root;       /* real path of the root; owned */
	char *root_given; /* the root as given, made absolute but not resolved; owned */
	char *dir;        /* telemetry directory, absolute and normalised; owned */
	char *run_id;     /* owned */
	char segment_id[9];
};

enum { CTX_WORKSPACE_BAD_RUN_ID = 1 }; /* $CTX_RUN_ID is not a run id (ctx_workspace_run_id_ok) */

/* Fill w from the options (NULL when not given) and the environment. The telemetry
 * directory is made absolute and normalised. Returns 0, CTX_WORKSPACE_BAD_RUN_ID, or a
 * negative errno (the root cannot be resolved, out of memory); when not 0, why[0, size)
 * holds the message (without the program name) and w needs no release. Release with
 * ctx_workspace_release. */
int ctx_workspace_init(struct ctx_workspace *w, const char *root_opt, const char *dir_opt, char *why,
    size_t size);
/* Release what w holds (w itself is the caller's); it is zeroed. */
void ctx_workspace_release(struct ctx_workspace *w);

/* True when $CTX_NO_TELEMETRY is "1" (no telemetry file may be created or written). */
bool ctx_workspace_no_telemetry(void);

#define CTX_RUN_ID_MAX 128

/* True when s[0, n) is a run id: 1 to CTX_RUN_ID_MAX of [A-Za-z0-9._:-]. */
bool ctx_workspace_run_id_ok(const char *s, size_t n);

/* A segment id: the first 8 hex digits of SHA-256 of the path s, in out (9 bytes with the
 * NUL). */
void ctx_workspace_segment_id(const char *s, char out[9]);

#endif
