#include "workspace.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "path.h"
#include "sha256.h"

bool
ctx_workspace_no_telemetry(void)
{
	const char *v = getenv("CTX_NO_TELEMETRY");

	return v && strcmp(v, "1") == 0;
}

/* The absolute, unresolved spelling of `given` (NULL: the current directory, as $PWD
 * names it when $PWD is that directory). */
static char *
absolute_given(const char *given, const char *real)
{
	const char *pwd = getenv("PWD");
	char *pwd_real = pwd && *pwd == '/' ? realpath(pwd, NULL) : NULL;
	bool pwd_ok = pwd_real && strcmp(pwd_real, real) == 0;
	struct ctx_buf b = { 0 };

	free(pwd_real);
	if (!given)
		return strdup(pwd_ok ? pwd : real);
	if (*given == '/')
		return strdup(given);
	char cwd[PATH_MAX];
	const char *base = pwd && *pwd == '/' ? pwd : getcwd(cwd, sizeof cwd);
	if (!base || ctx_buf_addf(&b, "%s/%s", base, given) < 0) {
		ctx_buf_release(&b);
		return strdup(real);
	}
	return b.data;
}

/* The telemetry directory as an absolute, normalised path: a relative one against the
 * current directory, and one named through the root as given rewritten onto the root's
 * real path, so that ctx_privdir_open walks it below the root without following links. */
static char *
telemetry_dir(const struct ctx_workspace *w, const char *dir)
{
	struct ctx_buf b = { 0 };
	char cwd[PATH_MAX];
	const char *under;

	if (!dir || !*dir) {
		if (ctx_buf_addf(&b, "%s/_ctx/telemetry", w->root) < 0)
			return NULL;
		return b.data;
	}
	if (*dir != '/' && (!getcwd(cwd, sizeof cwd) || ctx_buf_addf(&b, "%s/", cwd) < 0))
		return NULL;
	if (ctx_buf_adds(&b, dir) < 0) {
		ctx_buf_release(&b);
		return NULL;
	}
	ctx_path_normalize(b.data);
	b.len = strlen(b.data);
	if (w->root_given && (under = ctx_path_under(b.data, w->root_given)) && !ctx_path_under(b.data, w->root)) {
		struct ctx_buf r = { 0 };
		int err = ctx_buf_adds(&r, w->root) | (strcmp(under, ".") ? ctx_buf_addf(&r, "/%s", under) : 0);
		ctx_buf_release(&b);
		if (err)
			ctx_buf_release(&r);
		return r.data;
	}
	return b.data;
}

int
ctx_workspace_init(struct ctx_workspace *w, const char *root_opt, const char *dir_opt, char *why,
    size_t size)
{
	const char *root = root_opt ? root_opt : getenv("CTX_ROOT");
	const char *dir = dir_opt ? dir_opt : getenv("CTX_TELEMETRY_DIR");
	const char *run = getenv("CTX_RUN_ID");
	struct ctx_buf b = { 0 };

	memset(w, 0, sizeof *w);
	if (root && !*root)
		root = NULL;
	if (run && *run && !ctx_workspace_run_id_ok(run, strlen(run))) {
		snprintf(why, size, "bad value for CTX_RUN_ID: a run id is 1 to 128 of A-Z a-z 0-9 . _ : -");
		return CTX_WORKSPACE_BAD_RUN_ID;
	}
	if (!(w->root = realpath(root ? root : ".", NULL))) {
		int err = -errno;
		snprintf(why, size, "root %s: %s", root ? root : ".", strerror(errno));
		return err;
	}
	w->root_given = absolute_given(root, w->root);
	ctx_workspace_segment_id(w->root, w->segment_id);
	if (w->root_given)
		w->dir = telemetry_dir(w, dir);
	if (run && *run)
		w->run_id = strdup(run);
	else if (ctx_buf_addf(&b, "run_%lld_%ld", (long long)time(NULL), (long)getpid()) == 0)
		w->run_id = b.data;
	if (!w->root_given || !w->dir || !w->run_id) {
		ctx_workspace_release(w);
		snprintf(why, size, "workspace: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

void
ctx_workspace_release(struct ctx_workspace *w)
{
	free(w->root);
	free(w->root_given);
	free(w->dir);
	free(w->run_id);
	memset(w, 0, sizeof *w);
}

void
ctx_workspace_segment_id(const char *s, char out[9])
{
	char hex[65];

	ctx_sha256_hex(s, strlen(s), hex);
	memcpy(out, hex, 8);
	out[8] = '\0';
}

bool
ctx_workspace_run_id_ok(const char *s, size_t n)
{
	if (n == 0 || n > CTX_RUN_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		        c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}
