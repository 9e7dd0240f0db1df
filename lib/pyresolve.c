#include "pyresolve.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "pyscope.h"
#include "safeopen.h"
#include "strmap.h"
#include "utf8.h"

#define MAX_FILE (1024 * 1024)             /* a larger file is not analysed: its names stay silent */
#define MAX_FRESH (2 * 1024 * 1024)        /* bytes of source analysed anew for one question */
#define MAX_QUESTION_MS 2000               /* no new file is analysed for a question after this */
#define MAX_HOPS 256                       /* imports, attributes and bases followed for one question */
#define MAX_DEPTH 48                       /* refs resolved inside one another (a base's base's …) */
#define MAX_MRO 64                         /* classes in one MRO */
#define MAX_BASES 16                       /* bases of one class */
#define MAX_MRO_DEPTH 32                   /* a base's base's … */
#define MAX_CACHED ((size_t)256 << 20)     /* bytes of analyses kept before the cache is dropped */
#define MAX_HOVER 1000                     /* bytes of a signature in a hover */

struct mod {
	char *rel;                /* root-relative path */
	struct ctx_pyscope *p;    /* NULL: missing, unreadable, too large, or not a regular file */
	size_t cost;              /* the bytes p holds (ctx_pyscope_size), counted in x->cached */
	bool package;             /* an __init__.py */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime; /* ctime too: a rewrite that puts mtime back is still seen */
	unsigned long checked;    /* the question it was last looked at in */
};

struct ctx_pyindex {
	char *root;
	char *package;            /* the dotted package the root is, or "" */
	struct ctx_strmap mods;   /* rel -> struct mod * */
	unsigned long question;
	size_t cached;
	int hops;                 /* left for this question */
	size_t fresh;             /* bytes analysed anew for this question */
	int64_t asked;            /* when this question began (ctx_clock_ns) */
	bool exhausted;           /* a bound was reached: the question is answered with silence */
	int depth;                /* refs being resolved inside one another */
	int unknown;              /* the last number given to a base the workspace does not define */
	int err;
};

const char *
ctx_resolution_name(enum ctx_resolution r)
{
	static const char *const names[] = { "resolved", "builtin", "unresolved", "dynamic" };
	return r >= CTX_RES_RESOLVED && r <= CTX_RES_DYNAMIC ? names[r] : "unresolved";
}

/* ---- the files ---- */

static void
drop(struct ctx_pyindex *x, struct mod *m)
{
	if (m->p) {
		x->cached -= m->cost;
		ctx_pyscope_free(m->p);
		m->p = NULL;
	}
}

static void
drop_all(struct ctx_pyindex *x)
{
	for (size_t i = 0; i < x->mods.n; i++) {
		struct mod *m = x->mods.entries[i].value;
		if (m) {
			drop(x, m);
			free(m->rel);
			free(m);
		}
	}
	ctx_strmap_release(&x->mods);
	x->cached = 0;
}

void
ctx_pyindex_free(struct ctx_pyindex *x)
{
	if (!x)
		return;
	drop_all(x);
	free(x->root);
	free(x->package);
	free(x);
}

/* The dotted name of the package the root is part of: its directory names upwards while
 * each holds an __init__.py ("" when the root is not a package). */
static char *
root_package(const char *root)
{
	struct ctx_buf dir = { 0 }, name = { 0 }, tmp = { 0 }, init = { 0 };
	struct stat st;
	char *out;

	ctx_buf_adds(&dir, root);
	for (int depth = 0; dir.data && depth < 16; depth++) {
		ctx_buf_truncate(&init, 0);
		ctx_buf_addf(&init, "%s/__init__.py", dir.data);
		char *slash = strrchr(dir.data, '/');
		if (!init.data || stat(init.data, &st) != 0 || !S_ISREG(st.st_mode) || !slash || !slash[1])
			break;
		ctx_buf_truncate(&tmp, 0);
		ctx_buf_addf(&tmp, "%s%s%s", slash + 1, name.len ? "." : "", name.data ? name.data : "");
		ctx_buf_truncate(&name, 0);
		ctx_buf_adds(&name, tmp.data ? tmp.data : "");
		ctx_buf_truncate(&dir, (size_t)(slash - dir.data));
	}
	out = strdup(name.data ? name.data : "");
	ctx_buf_release(&dir);
	ctx_buf_release(&name);
	ctx_buf_release(&tmp);
	ctx_buf_release(&init);
	return out;
}

struct ctx_pyindex *
ctx_pyindex_new(const char *root)
{
	struct ctx_pyindex *x = calloc(1, sizeof *x);

	if (!x || !(x->root = strdup(root)) || !(x->package = root_package(root))) {
		ctx_pyindex_free(x);
		return NULL;
	}
	return x;
}

/* The analysis of a root-relative file, read again when it changed on disk. NULL only
 * when out of memory; m->p is NULL when there is no such file to analyse. */
static struct mod *
get(struct ctx_pyindex *x, const char *rel)
{
	int created;
	struct ctx_strmap_entry *e = ctx_strmap_get(&x->mods, rel, strlen(rel), &created);
	struct mod *m = e ? e->value : NULL;
	struct ctx_buf path = { 0 }, text = { 0 };
	struct stat st;
	int err = 0;

	if (e && !m) {
		size_t n = strlen(rel);
		if (!(m = calloc(1, sizeof *m)) || !(m->rel = strdup(rel))) {
			free(m);
			x->err = -ENOMEM;
			return NULL;
		}
		m->package = n >= 11 && strcmp(rel + n - 11, "__init__.py") == 0 && (n == 11 || rel[n - 12] == '/');
		e->value = m;
	}
	if (!m) {
		x->err = -ENOMEM;
		return NULL;
	}
	if (m->checked == x->question)
		return m;
	m->checked = x->question;
	if (ctx_buf_addf(&path, "%s/%s", x->root, rel) < 0) {
		x->err = -ENOMEM;
		return NULL;
	}
	/* stat, not lstat: a symlink inside the root is fine; ctx_wsfile_read refuses one
	 * that leads out, and a FIFO or a device is never opened. */
	if (stat(path.data, &st) != 0 || !S_ISREG(st.st_mode)) {
		drop(x, m);
	} else if (!m->p || st.st_ino != m->ino || st.st_dev != m->dev || st.st_size != m->size ||
	    st.st_mtim.tv_sec != m->mtime.tv_sec || st.st_mtim.tv_nsec != m->mtime.tv_nsec ||
	    st.st_ctim.tv_sec != m->ctime.tv_sec || st.st_ctim.tv_nsec != m->ctime.tv_nsec) {
		drop(x, m);
		bool late = ctx_clock_ns() - x->asked > (int64_t)MAX_QUESTION_MS * 1000000;
		if (late || x->fresh + (size_t)st.st_size > MAX_FRESH) {
			x->exhausted = true; /* analysed by a later question */
			m->checked = 0;
		} else if (ctx_wsfile_read(x->root, path.data, MAX_FILE, &text, NULL) == 0) {
			x->fresh += text.len;
			m->p = ctx_pyscope_parse(text.data ? text.data : "", text.len, &err);
			if (err)
				x->err = err;
			m->cost = m->p ? ctx_pyscope_size(m->p) : 0;
			x->cached += m->cost;
			m->dev = st.st_dev;
			m->ino = st.st_ino;
			m->size = st.st_size;
			m->mtime = st.st_mtim;
			m->ctime = st.st_ctim;
		}
	}
	ctx_buf_release(&path);
	ctx_buf_release(&text);
	return m;
}

/* dir (root-relative, "" for the root) + the first n bytes of a dotted module name: its
 * package (a/b/__init__.py, as Python prefers) or its module file (a/b.py), or NULL. */
static struct mod *
under(struct ctx_pyindex *x, const char *dir, const char *dotted, size_t n)
{
	struct ctx_buf b = { 0 };
	struct mod *m = NULL;

	if (n == 0 || dotted[0] == '.' || dotted[n - 1] == '.')
		return NULL;
	ctx_buf_addf(&b, "%s%s", dir, dir[0] ? "/" : "");
	size_t at = b.len;
	ctx_buf_add(&b, dotted, n);
	for (size_t i = at; b.data && i < b.len; i++)
		if (b.data[i] == '.')
			b.data[i] = '/';
	size_t base = b.len;
	for (int k = 0; k < 2 && b.data && !x->err; k++) {
		ctx_buf_truncate(&b, base);
		ctx_buf_adds(&b, k == 0 ? "/__init__.py" : ".py");
		if (!b.data)
			break;
		m = get(x, b.data);
		if (m && m->p)
			break;
		m = NULL;
	}
	if (!b.data)
		x->err = -ENOMEM;
	ctx_buf_release(&b);
	return m;
}

/* The directory of a root-relative path ("" for the root), in out. */
static void
dirname_of(const char *rel, struct ctx_buf *out)
{
	const char *slash = strrchr(rel, '/');
	ctx_buf_truncate(out, 0);
	ctx_buf_add(out, rel, slash ? (size_t)(slash - rel) : 0);
	if (!out->data)
		ctx_buf_adds(out, "");
}

/* The first n bytes of module (as written in `from`: leading dots for a relative import). */
static struct mod *
find_module(struct ctx_pyindex *x, const struct mod *from, const char *module, size_t n)
{
	struct ctx_buf dir = { 0 }, probe = { 0 };
	struct stat st;
	struct mod *m = NULL;
	size_t dots = strspn(module, "."), plen = strlen(x->package);

	dirname_of(from->rel, &dir);
	if (dots > 0) { /* relative to the importing file's package */
		for (size_t up = dots - 1; up > 0 && dir.data; up--) {
			if (dir.len == 0)
				goto out; /* above the root */
			dirname_of(dir.data, &probe);
			ctx_buf_truncate(&dir, 0);
			ctx_buf_adds(&dir, probe.data ? probe.data : "");
		}
		if (!dir.data)
			goto out;
		if (n == dots) {
			ctx_buf_truncate(&probe, 0);
			ctx_buf_addf(&probe, "%s%s__init__.py", dir.data, dir.len ? "/" : "");
			m = probe.data ? get(x, probe.data) : NULL;
			m = m && m->p ? m : NULL;
		} else {
			m = under(x, dir.data, module + dots, n - dots);
		}
		goto out;
	}
	/* Absolute: the root, the package the root is, then the directories between the
	 * importing file and the root that are not packages, the highest first. */
	if ((m = under(x, "", module, n)) != NULL)
		goto out;
	if (plen && n >= plen && memcmp(module, x->package, plen) == 0 && (n == plen || module[plen] == '.')) {
		if (n == plen) {
			m = get(x, "__init__.py");
			m = m && m->p ? m : NULL;
		} else {
			m = under(x, "", module + plen + 1, n - plen - 1);
		}
		if (m)
			goto out;
	}
	for (size_t cut = 0; dir.len && cut <= dir.len && !m;) {
		const char *slash = memchr(dir.data + cut, '/', dir.len - cut);
		size_t end = slash ? (size_t)(slash - dir.data) : dir.len;
		ctx_buf_truncate(&probe, 0);
		ctx_buf_add(&probe, dir.data, end);
		ctx_buf_adds(&probe, "/__init__.py");
		char *full = NULL;
		if (probe.data && asprintf(&full, "%s/%s", x->root, probe.data) >= 0 && stat(full, &st) != 0) {
			probe.data[end] = '\0';
			m = under(x, probe.data, module, n);
		}
		free(full);
		cut = end + 1;
	}
out:
	ctx_buf_release(&dir);
	ctx_buf_release(&probe);
	return m;
}

/* ---- what names mean ---- */

enum vkind { V_NONE, V_MODULE, V_CLASS, V_INSTANCE, V_FUNCTION };

struct val {
	enum vkind kind;
	struct mod *m;
	int scope; /* a class's or a function's scope */
};

struct loc {
	struct mod *m;
	int bind; /* -1: the module itself, at line 1 */
};

static int ref_of(struct ctx_pyindex *x, struct mod *m, int r, struct loc *loc, struct val *v);
static int ref_kind(struct ctx_pyindex *x, struct mod *m, const struct ctx_pyref *R, const char *name, struct loc *loc,
    struct val *v);
static int member(struct ctx_pyindex *x, struct mod *m, const char *name, struct loc *loc, struct val *v);

/* One more step for this question; false (and silence for the whole question) past the
 * bound: an answer from a search cut short could be the wrong one. */
static bool
hop(struct ctx_pyindex *x)
{
	if (x->hops-- <= 0)
		x->exhausted = true;
	return !x->exhausted && !x->err;
}

/* The value of an annotation (a ref naming a class): an instance of that class. */
static struct val
annotated(struct ctx_pyindex *x, struct mod *m, int annot)
{
	struct loc l;
	struct val v = { V_NONE, NULL, -1 };

	if (annot >= 0 && ref_of(x, m, annot, &l, &v) == CTX_RES_RESOLVED && v.kind == V_CLASS)
		v.kind = V_INSTANCE;
	else
		v.kind = V_NONE;
	return v;
}

/* Where binding b of m leads: an import is followed, anything else is its own definition. */
static int
follow(struct ctx_pyindex *x, struct mod *m, int b, struct loc *loc, struct val *v)
{
	const struct ctx_pybind *B = &m->p->binds[b];
	const struct ctx_pyscope_s *s = &m->p->scopes[B->scope];

	*loc = (struct loc){ m, b };
	*v = (struct val){ V_NONE, m, -1 };
	if (!hop(x))
		return CTX_RES_UNRESOLVED;
	switch (B->kind) {
	case CTX_PYB_IMPORT: {
		size_t n = B->aliased ? strlen(B->module) : strcspn(B->module, ".");
		struct mod *t = find_module(x, m, B->module, n);
		if (!t)
			return CTX_RES_UNRESOLVED;
		*loc = (struct loc){ t, -1 };
		*v = (struct val){ V_MODULE, t, 0 };
		return CTX_RES_RESOLVED;
	}
	case CTX_PYB_FROM: {
		struct mod *t = find_module(x, m, B->module, strlen(B->module));
		return t ? member(x, t, B->orig, loc, v) : CTX_RES_UNRESOLVED;
	}
	case CTX_PYB_DEF:
		*v = (struct val){ V_FUNCTION, m, B->inner };
		return CTX_RES_RESOLVED;
	case CTX_PYB_CLASS:
		*v = (struct val){ V_CLASS, m, B->inner };
		return CTX_RES_RESOLVED;
	case CTX_PYB_PARAM:
		if (s->self_param == b && s->parent >= 0)
			*v = (struct val){ s->self_kind == CTX_PYSELF_CLASS ? V_CLASS : V_INSTANCE, m, s->parent };
		else
			*v = annotated(x, m, B->annot);
		return CTX_RES_RESOLVED;
	default:
		*v = annotated(x, m, B->annot);
		return CTX_RES_RESOLVED;
	}
}

/* The names star-imported into m's top level, tried in order for name. */
static int
star(struct ctx_pyindex *x, struct mod *m, const char *name, struct loc *loc, struct val *v)
{
	const struct ctx_pyscope_s *s = &m->p->scopes[0];

	if (name[0] == '_')
		return CTX_RES_UNRESOLVED; /* import * leaves out private names */
	for (int i = s->bfirst; i < s->bfirst + s->bcount; i++) {
		const struct ctx_pybind *B = &m->p->binds[i];
		if (B->kind != CTX_PYB_STAR || !hop(x))
			continue;
		struct mod *t = find_module(x, m, B->module, strlen(B->module));
		if (t && t != m && member(x, t, name, loc, v) == CTX_RES_RESOLVED)
			return CTX_RES_RESOLVED;
	}
	return CTX_RES_UNRESOLVED;
}

/* name as an attribute of module m: its top level (the last binding), a submodule of a
 * package, then what it star-imports. */
static int
member(struct ctx_pyindex *x, struct mod *m, const char *name, struct loc *loc, struct val *v)
{
	int b = ctx_pyscope_last(m->p, 0, name);
	struct ctx_buf dir = { 0 };
	struct mod *t = NULL;

	if (!hop(x))
		return CTX_RES_UNRESOLVED;
	/* `from . import sub` in a package's __init__ binds its own submodule: look there. */
	const struct ctx_pybind *B = b >= 0 ? &m->p->binds[b] : NULL;
	if (B && !(B->kind == CTX_PYB_FROM && strcmp(B->orig, name) == 0 &&
	    find_module(x, m, B->module, strlen(B->module)) == m))
		return follow(x, m, b, loc, v);
	if (m->package) {
		dirname_of(m->rel, &dir);
		t = dir.data ? under(x, dir.data, name, strlen(name)) : NULL;
		ctx_buf_release(&dir);
	}
	if (t) {
		*loc = (struct loc){ t, -1 };
		*v = (struct val){ V_MODULE, t, 0 };
		return CTX_RES_RESOLVED;
	}
	return star(x, m, name, loc, v);
}

/* ---- classes ---- */

struct cls {
	struct mod *m;  /* NULL: a base the workspace does not define */
	int scope;      /* for those, a number of their own */
};

struct mro {
	struct cls c[MAX_MRO];
	int n;
};

static bool
same(const struct cls *a, const struct cls *b)
{
	return a->m == b->m && a->scope == b->scope;
}

/* C3: out = c + merge(the bases' MROs, the bases). Unknown bases are classes of their own.
 * false when there is no order to trust. */
static bool
linearize(struct ctx_pyindex *x, struct cls c, struct mro *out, int depth)
{
	const struct ctx_pyscope *p = c.m ? c.m->p : NULL;
	const struct ctx_pyscope_s *s = p ? &p->scopes[c.scope] : NULL;

	out->c[0] = c;
	out->n = 1;
	if (!s)
		return true;
	/* An order cut short is no order: too deep, too many bases, or out of hops. */
	if (depth > MAX_MRO_DEPTH || s->nbases > MAX_BASES)
		return false;
	struct mro *seqs = malloc((size_t)(s->nbases + 1) * sizeof *seqs); /* the bases' MROs, then the bases */
	int nseq = 0, at[MAX_BASES + 1] = { 0 };
	bool ok = seqs != NULL;
	struct mro *bases = ok ? &seqs[s->nbases] : NULL;

	if (ok)
		bases->n = 0;
	for (int i = 0; ok && i < s->nbases; i++) {
		int r = p->base_refs[s->bases + i];
		struct loc l;
		struct val v = { V_NONE, NULL, -1 };
		int res = !hop(x) ? -1 : r >= 0 ? ref_of(x, c.m, r, &l, &v) : CTX_RES_DYNAMIC;
		struct cls b = { NULL, --x->unknown };
		if (res == CTX_RES_RESOLVED && v.kind == V_CLASS)
			b = (struct cls){ v.m, v.scope };
		bases->c[bases->n++] = b;
		ok = res >= 0 && linearize(x, b, &seqs[nseq++], depth + 1);
	}
	nseq++; /* the bases */
	while (ok) { /* the merge */
		int pick = -1;
		for (int i = 0; i < nseq && pick < 0; i++) {
			if (at[i] >= seqs[i].n)
				continue;
			const struct cls *head = &seqs[i].c[at[i]];
			bool in_tail = false;
			for (int j = 0; j < nseq && !in_tail; j++)
				for (int k = at[j] + 1; k < seqs[j].n && !in_tail; k++)
					in_tail = same(head, &seqs[j].c[k]);
			if (!in_tail)
				pick = i;
		}
		if (pick < 0)
			break;
		struct cls h = seqs[pick].c[at[pick]];
		if (out->n == MAX_MRO) {
			ok = false;
			break;
		}
		out->c[out->n++] = h;
		for (int j = 0; j < nseq; j++)
			if (at[j] < seqs[j].n && (same(&h, &seqs[j].c[at[j]]) || (j == pick)))
				at[j]++;
	}
	for (int i = 0; ok && i < nseq; i++)
		ok = at[i] >= seqs[i].n; /* else no consistent order: say nothing rather than guess */
	free(seqs);
	return ok;
}

/* name on a class (instance: on an instance of it) along its MRO: `self.name = …` in any
 * class first for an instance, then the class bodies. skip_first for super(). A base the
 * workspace does not define ends the search: the name may be there. */
static int
class_member(struct ctx_pyindex *x, struct mod *m, int scope, const char *name, bool instance, bool skip_first,
    struct loc *loc, struct val *v)
{
	struct mro mro;

	if (!linearize(x, (struct cls){ m, scope }, &mro, 0))
		return CTX_RES_UNRESOLVED;
	for (int pass = instance ? 0 : 1; pass < 2; pass++) {
		for (int i = skip_first ? 1 : 0; i < mro.n; i++) {
			const struct cls *c = &mro.c[i];
			if (!c->m) {
				if (pass == 1)
					return CTX_RES_UNRESOLVED;
				break;
			}
			int b = pass == 0 ? ctx_pyscope_instance_attr(c->m->p, c->scope, name)
					  : ctx_pyscope_last(c->m->p, c->scope, name);
			if (b < 0)
				continue;
			if (pass == 0) {
				*loc = (struct loc){ c->m, b };
				*v = annotated(x, c->m, c->m->p->binds[b].annot);
				return CTX_RES_RESOLVED;
			}
			return follow(x, c->m, b, loc, v);
		}
	}
	return ctx_pyscope_builtin(name) ? CTX_RES_BUILTIN : CTX_RES_UNRESOLVED;
}

/* ---- refs ---- */

static int
attribute(struct ctx_pyindex *x, struct mod *m, const struct ctx_pyref *R, const char *name, struct loc *loc,
    struct val *v)
{
	struct loc rl;
	struct val rv = { V_NONE, NULL, -1 };

	if (R->recv == CTX_PYREF_SUPER) {
		int cls = ctx_pyscope_method_class(m->p, R->scope);
		return cls < 0 ? CTX_RES_DYNAMIC : class_member(x, m, cls, name, false, true, loc, v);
	}
	if (R->recv < 0)
		return CTX_RES_DYNAMIC;
	int res = ref_of(x, m, R->recv, &rl, &rv);
	if (res != CTX_RES_RESOLVED)
		return res == CTX_RES_BUILTIN || res == CTX_RES_UNRESOLVED ? res : CTX_RES_DYNAMIC;
	switch (rv.kind) {
	case V_MODULE:
		return member(x, rv.m, name, loc, v);
	case V_CLASS:
	case V_INSTANCE:
		return class_member(x, rv.m, rv.scope, name, rv.kind == V_INSTANCE, false, loc, v);
	default:
		return CTX_RES_DYNAMIC;
	}
}

/* name= in a call: the parameter of the function called, or of the class's __init__. */
static int
keyword(struct ctx_pyindex *x, struct mod *m, const struct ctx_pyref *R, const char *name, struct loc *loc,
    struct val *v)
{
	struct loc fl;
	struct val fv = { V_NONE, NULL, -1 };
	int res = R->recv >= 0 ? ref_of(x, m, R->recv, &fl, &fv) : CTX_RES_DYNAMIC;

	if (res == CTX_RES_RESOLVED && fv.kind == V_CLASS && fv.m->p->scopes[fv.scope].decorated)
		return CTX_RES_DYNAMIC; /* @dataclass and its kind write the __init__ that takes it */
	if (res == CTX_RES_RESOLVED && fv.kind == V_CLASS)
		res = class_member(x, fv.m, fv.scope, "__init__", false, false, &fl, &fv);
	if (res != CTX_RES_RESOLVED)
		return res == CTX_RES_BUILTIN || res == CTX_RES_UNRESOLVED ? res : CTX_RES_DYNAMIC;
	if (fv.kind != V_FUNCTION)
		return CTX_RES_DYNAMIC;
	int b = ctx_pyscope_last(fv.m->p, fv.scope, name);
	if (b < 0 || fv.m->p->binds[b].kind != CTX_PYB_PARAM)
		return CTX_RES_DYNAMIC; /* **kwargs: where it goes is not known here */
	*loc = (struct loc){ fv.m, b };
	*v = (struct val){ V_NONE, fv.m, -1 };
	return CTX_RES_RESOLVED;
}

/* What ref r of m names: its definition in *loc and, when known, its value in *v. */
static int
ref_of(struct ctx_pyindex *x, struct mod *m, int r, struct loc *loc, struct val *v)
{
	const struct ctx_pyref *R = &m->p->refs[r];
	char name[256];

	if (!hop(x) || x->depth >= MAX_DEPTH || R->end - R->byte >= sizeof name)
		return CTX_RES_UNRESOLVED;
	ctx_pyscope_ref_name(m->p, r, name, sizeof name);
	x->depth++;
	int res = ref_kind(x, m, R, name, loc, v);
	x->depth--;
	return res;
}

/* ref_of by the part the name plays. */
static int
ref_kind(struct ctx_pyindex *x, struct mod *m, const struct ctx_pyref *R, const char *name, struct loc *loc,
    struct val *v)
{
	bool global;

	switch (R->kind) {
	case CTX_PYR_NAME: {
		int b = ctx_pyscope_lookup(m->p, R->scope, name, R->byte, R->branch, &global);
		if (b >= 0)
			return follow(x, m, b, loc, v);
		if (!global)
			return CTX_RES_UNRESOLVED; /* local, deleted or not yet bound */
		if (star(x, m, name, loc, v) == CTX_RES_RESOLVED)
			return CTX_RES_RESOLVED;
		return ctx_pyscope_builtin(name) ? CTX_RES_BUILTIN : CTX_RES_UNRESOLVED;
	}
	case CTX_PYR_BIND: {
		/* A class attribute that overrides a base's: the base's definition, as jedi has it. */
		const struct ctx_pybind *B = &m->p->binds[R->bind];
		if (B->kind == CTX_PYB_ASSIGN && m->p->scopes[B->scope].kind == CTX_PYS_CLASS &&
		    class_member(x, m, B->scope, name, false, true, loc, v) == CTX_RES_RESOLVED)
			return CTX_RES_RESOLVED;
		return follow(x, m, R->bind, loc, v);
	}
	case CTX_PYR_ATTR:
		return attribute(x, m, R, name, loc, v);
	case CTX_PYR_KWARG:
		return keyword(x, m, R, name, loc, v);
	case CTX_PYR_MODULE: { /* the dotted parts up to this one */
		const char *s = R->module;
		size_t n = strspn(s, ".");
		for (int part = 0; part < R->parts && s[n]; part++)
			n += (part > 0) + strcspn(s + n + (part > 0), ".");
		struct mod *t = find_module(x, m, s, n);
		if (!t)
			return CTX_RES_UNRESOLVED;
		*loc = (struct loc){ t, -1 };
		*v = (struct val){ V_MODULE, t, 0 };
		return CTX_RES_RESOLVED;
	}
	default:
		return CTX_RES_UNRESOLVED;
	}
}

/* Resolve the name at a position of file: *loc when resolved. */
static int
resolve(struct ctx_pyindex *x, const char *file, long line, long col, struct loc *loc)
{
	struct val v;
	struct mod *m;

	x->question++;
	x->hops = MAX_HOPS;
	x->depth = 0;
	x->fresh = 0;
	x->asked = ctx_clock_ns();
	x->exhausted = false;
	x->err = 0;
	if (x->cached > MAX_CACHED)
		drop_all(x);
	m = get(x, file);
	if (!m)
		return -ENOMEM;
	int r = m->p ? ctx_pyscope_ref_at(m->p, line, col) : -1;
	int res = r >= 0 ? ref_of(x, m, r, loc, &v) : CTX_RES_UNRESOLVED;
	return x->err ? x->err : x->exhausted ? CTX_RES_UNRESOLVED : res;
}

static void
write_loc(const struct loc *l, struct ctx_buf *out)
{
	long line = 1, col = 1, end_line = 1, end_col = 1;

	if (l->bind >= 0) {
		const struct ctx_pybind *B = &l->m->p->binds[l->bind];
		ctx_pyscope_position(l->m->p, B->byte, &line, &col);
		ctx_pyscope_position(l->m->p, B->end, &end_line, &end_col);
	}
	ctx_buf_adds(out, "{\"file\":");
	ctx_utf8_write_json(out, l->m->rel, strlen(l->m->rel));
	ctx_buf_addf(out, ",\"line\":%ld,\"col\":%ld,\"end_line\":%ld,\"end_col\":%ld}", line, col, end_line, end_col);
}

int
ctx_pyindex_definition(struct ctx_pyindex *x, const char *file, long line, long col, struct ctx_buf *out)
{
	struct loc l;
	int res = resolve(x, file, line, col, &l);

	if (res < 0)
		return res;
	ctx_buf_add(out, "[", 1);
	if (res == CTX_RES_RESOLVED)
		write_loc(&l, out);
	return ctx_buf_add(out, "]", 1) < 0 ? -ENOMEM : res;
}

/* The line around byte b of p, without its indentation. */
static void
line_at(const struct ctx_pyscope *p, uint32_t b, struct ctx_buf *out)
{
	uint32_t a = b, e = b;

	while (a > 0 && p->src[a - 1] != '\n' && p->src[a - 1] != '\r')
		a--;
	while (e < p->len && p->src[e] != '\n' && p->src[e] != '\r')
		e++;
	while (a < e && (p->src[a] == ' ' || p->src[a] == '\t'))
		a++;
	ctx_buf_add(out, p->src + a, e - a > MAX_HOVER ? MAX_HOVER : e - a);
}

int
ctx_pyindex_hover(struct ctx_pyindex *x, const char *file, long line, long col, struct ctx_buf *out)
{
	struct loc l;
	struct ctx_buf text = { 0 };
	int res = resolve(x, file, line, col, &l);

	if (res < 0)
		return res;
	if (res != CTX_RES_RESOLVED)
		return ctx_buf_adds(out, "null") < 0 ? -ENOMEM : res;
	const struct ctx_pyscope *p = l.m->p;
	if (l.bind < 0) {
		ctx_buf_addf(&text, "module %s", l.m->rel);
		if (p->doc_end > p->doc) {
			ctx_buf_adds(&text, "\n\n");
			ctx_buf_add(&text, p->src + p->doc, p->doc_end - p->doc);
		}
	} else {
		const struct ctx_pybind *B = &p->binds[l.bind];
		int owner = p->scopes[B->scope].owner;
		if (B->kind == CTX_PYB_PARAM && owner >= 0) /* a parameter: its function's header */
			B = &p->binds[owner];
		if (B->sig_end > B->sig)
			ctx_buf_add(&text, p->src + B->sig, B->sig_end - B->sig > MAX_HOVER ? MAX_HOVER
											: B->sig_end - B->sig);
		else
			line_at(p, B->byte, &text);
		if (B->doc_end > B->doc && B == &p->binds[l.bind]) {
			ctx_buf_adds(&text, "\n\n");
			ctx_buf_add(&text, p->src + B->doc, B->doc_end - B->doc);
		}
	}
	ctx_buf_adds(out, "{\"text\":");
	ctx_utf8_write_json(out, text.data ? text.data : "", text.len);
	int rc = text.data ? ctx_buf_add(out, "}", 1) : -ENOMEM;
	ctx_buf_release(&text);
	return rc < 0 ? -ENOMEM : res;
}
