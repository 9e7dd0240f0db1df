# ctx tools. `make` builds bin/; `make test` installs what is missing, builds, runs every
# test; `make test SAN=1` does the same with AddressSanitizer and UBSan in build/san/.

PREFIX   ?= /usr/local
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -std=c11 -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror
# The grammars (mk/grammars): each one's version goes into the cache key of its language.
grammar_version = $(shell awk '$$1 == "tree-sitter-$(1)" { print $$2 }' mk/grammars)
GRAMMAR_LANGS := python c go javascript typescript
CPPFLAGS += -D_GNU_SOURCE -Ilib -I/usr/include/cjson \
	$(foreach g,$(GRAMMAR_LANGS),-DCTX_GRAMMAR_VERSION_$(g)=\"$(call grammar_version,$(g))\")
LDLIBS    = -lcjson -lcrypto -lpcre2-8 -ltree-sitter -lpthread -lm

ifeq ($(SAN),1)
BUILD    := build/san
BIN      := $(BUILD)/bin
CFLAGS   += -O1 -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined,float-cast-overflow
else
BUILD    := build/out
BIN      := bin
endif

# Where each grammar's parser.c is (typescript's package holds two: typescript and tsx),
# and which have an external scanner.c.
GRAMMAR_SRC_python     := build/tree-sitter-python/package/src
GRAMMAR_SRC_c          := build/tree-sitter-c/package/src
GRAMMAR_SRC_go         := build/tree-sitter-go/package/src
GRAMMAR_SRC_javascript := build/tree-sitter-javascript/package/src
GRAMMAR_SRC_typescript := build/tree-sitter-typescript/package/typescript/src
GRAMMAR_SRC_tsx        := build/tree-sitter-typescript/package/tsx/src
GRAMMARS         := python c go javascript typescript tsx
GRAMMAR_SCANNERS := python javascript typescript tsx
GRAMMAR_FILES    := $(GRAMMARS:%=%/parser) $(GRAMMAR_SCANNERS:%=%/scanner)
LIB_SRC     := $(wildcard lib/*.c)
LIB_OBJ     := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
TOOL_SRC    := $(wildcard tools/*.c)
TOOLS       := $(TOOL_SRC:tools/%.c=$(BIN)/%)
GRAMMAR_OBJ := $(GRAMMAR_FILES:%=$(BUILD)/grammar/%.o)
PIPELINES   := $(wildcard pipelines/ctx-*)
MANPAGES    := $(wildcard man/*.1)

ROOT     ?= sample

FUZZ_SECONDS ?= 30
FUZZ_TARGETS := event jsonl jsonrpc lsp skeleton aggregate declresolve mcp
FUZZ_BUILD   := build/fuzz
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:lib/%.c=$(FUZZ_BUILD)/lib/%.o) $(GRAMMAR_FILES:%=$(FUZZ_BUILD)/grammar/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: all deps test unit bench run fuzz check-static soak truth clean install uninstall
all: $(TOOLS)

deps:
	@sh mk/deps.sh build

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

# A grammar is generated third-party code: our warning flags are not its business. Its
# sources come from mk/deps.sh.
define grammar_rules
$$(BUILD)/grammar/$(1)/%.o: $$(GRAMMAR_SRC_$(1))/%.c
	@mkdir -p $$(@D)
	$$(CC) -std=c11 -I$$(GRAMMAR_SRC_$(1)) $$(CFLAGS) -w -c -o $$@ $$<

$$(FUZZ_BUILD)/grammar/$(1)/%.o: $$(GRAMMAR_SRC_$(1))/%.c
	@mkdir -p $$(@D)
	clang -std=c11 -I$$(GRAMMAR_SRC_$(1)) $$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -w -c -o $$@ $$<

$$(GRAMMAR_SRC_$(1))/parser.c $$(GRAMMAR_SRC_$(1))/scanner.c:
	@sh mk/deps.sh build
endef
$(foreach g,$(GRAMMARS),$(eval $(call grammar_rules,$(g))))

$(BUILD)/libctx.a: $(LIB_OBJ) $(GRAMMAR_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/tools/%.o $(BUILD)/libctx.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libctx.a $(LDLIBS)

$(BUILD)/unit: $(BUILD)/tests/unit.o $(BUILD)/libctx.a
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libctx.a $(LDLIBS)

unit: $(BUILD)/unit

# The fuzz targets built with $(CC) and a replaying main, for the ordinary suite: every
# seed and every input a fuzzer once failed on (tests/fuzz/regressions/) runs in `make
# test`, and under the sanitizers with SAN=1.
REPLAY_BINS := $(FUZZ_TARGETS:%=$(BUILD)/replay/fuzz_%)

$(BUILD)/replay/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/tests/fuzz/replay.o $(BUILD)/libctx.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/tests/fuzz/replay.o $(BUILD)/libctx.a $(LDLIBS)

run: deps
	@$(MAKE) --no-print-directory all
	@PATH="$(CURDIR)/$(BIN):$$PATH" sh pipelines/ctx-run $(ROOT)

test: deps
	@$(MAKE) --no-print-directory all unit $(REPLAY_BINS)
	@CTX_BIN=$(CURDIR)/$(BIN) CTX_REPLAY=$(CURDIR)/$(BUILD)/replay CTX_MCP_CLIENT=$(CURDIR)/build/mcp-client \
		sh tests/run $(BUILD)/unit

$(BUILD)/bench/parse_only: bench/parse_only.c $(GRAMMAR_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(GRAMMAR_OBJ) -ltree-sitter

$(BUILD)/bench/resolve_only: bench/resolve_only.c $(BUILD)/libctx.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(BUILD)/libctx.a $(LDLIBS)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/parse_only $(BUILD)/bench/resolve_only
	@CTX_BIN=$(CURDIR)/$(BIN) CTX_BENCH_BIN=$(CURDIR)/$(BUILD)/bench CTX_CORPORA=$(CURDIR)/build/corpora \
		CTX_MCP_CLIENT=$(CURDIR)/build/mcp-client sh bench/run

# libFuzzer targets, built with clang; each runs FUZZ_SECONDS from tests/fuzz/seeds and
# fails on a crash, a leak, a UBSan report or an input slower than 10 s.
$(FUZZ_BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(WARN) -Wno-unknown-warning-option $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	clang $(CPPFLAGS) -std=c11 $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus-$$t && \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(CURDIR)/$(FUZZ_BUILD)/ \
			$(CURDIR)/$(FUZZ_BUILD)/corpus-$$t $(CURDIR)/tests/fuzz/seeds/$$t \
			2>$(FUZZ_BUILD)/fuzz_$$t.log || { tail -40 $(FUZZ_BUILD)/fuzz_$$t.log; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_BUILD)/fuzz_$$t.log; \
	done

# Ground truth too long for make test (not in CI): the C, Go, JavaScript and TypeScript
# skeletons against clang, go/ast and the TypeScript compiler on the whole of their corpora
# (make test checks a sample); the fallback's definitions against jedi on every position of the standard library's asyncio, and on TRUTH_DJANGO_N
# positions of Django (python3-django). jedi's answers are kept in $(BUILD)/truth.
TRUTH_DJANGO_N ?= 5000
ASYNCIO_DIR = $(shell /usr/bin/python3 -c 'import asyncio, os; print(os.path.dirname(asyncio.__file__))')

truth: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(BUILD)/truth
	cd build/corpora/tree-sitter/package/vendor/tree-sitter/lib/src && /usr/bin/python3 $(CURDIR)/tests/truth/lang_truth.py \
		--lang c --ctx-parse $(CURDIR)/$(BIN)/ctx-parse --root . --defects $(CURDIR)/tests/data/truth/c-grammar-defects.tsv \
		-I ../include -I . *.c
	cd $$(go env GOROOT)/src && /usr/bin/python3 $(CURDIR)/tests/truth/lang_truth.py --lang go \
		--ctx-parse $(CURDIR)/$(BIN)/ctx-parse --root . $$(find . -name '*.go' ! -path '*/testdata/*' | sed 's|^\./||')
	cd build/corpora/webpack/package && /usr/bin/python3 $(CURDIR)/tests/truth/lang_truth.py --lang js \
		--typescript $(CURDIR)/build/corpora/typescript/package/lib/typescript.js \
		--ctx-parse $(CURDIR)/$(BIN)/ctx-parse --root . $$(find lib -name '*.js')
	cd build/corpora/rxjs/package && /usr/bin/python3 $(CURDIR)/tests/truth/lang_truth.py --lang js \
		--typescript $(CURDIR)/build/corpora/typescript/package/lib/typescript.js \
		--ctx-parse $(CURDIR)/$(BIN)/ctx-parse --root . $$(find src -name '*.ts')
	/usr/bin/python3 tests/truth/def_lang_truth.py --lang c --ctx-lsp $(BIN)/ctx-lsp --sample 100000 \
		--root build/corpora/tree-sitter/package/vendor/tree-sitter/lib/src --min-precision 0.97 --min-recall 0.6 \
		-I ../include -I . $$(cd build/corpora/tree-sitter/package/vendor/tree-sitter/lib/src && ls *.c | grep -v '^lib.c$$')
	/usr/bin/python3 tests/truth/def_lang_truth.py --lang go --ctx-lsp $(BIN)/ctx-lsp --sample 20000 \
		--root $$(go env GOROOT)/src --min-precision 0.97 --min-recall 0.6 \
		net/http encoding/json go/parser go/ast strings bufio sort fmt os io bytes
	/usr/bin/python3 tests/truth/def_lang_truth.py --lang js --ctx-lsp $(BIN)/ctx-lsp --sample 20000 \
		--typescript build/corpora/typescript/package/lib/typescript.js --root build/corpora/webpack/package \
		--min-precision 0.97 --min-recall 0.6 $$(cd build/corpora/webpack/package && find lib -name '*.js')
	/usr/bin/python3 tests/truth/def_lang_truth.py --lang js --ctx-lsp $(BIN)/ctx-lsp --sample 20000 \
		--typescript build/corpora/typescript/package/lib/typescript.js --root build/corpora/rxjs/package \
		--min-precision 0.97 --min-recall 0.6 $$(cd build/corpora/rxjs/package && find src -name '*.ts')
	/usr/bin/python3 tests/def_truth.py --root $(ASYNCIO_DIR) --ctx-lsp $(BIN)/ctx-lsp \
		--min-precision 0.90 --min-recall 0.50 --jedi-cache $(BUILD)/truth/asyncio.json
	/usr/bin/python3 tests/def_truth.py --root /usr/lib/python3/dist-packages/django --ctx-lsp $(BIN)/ctx-lsp \
		--sample $(TRUTH_DJANGO_N) --min-precision 0.90 --min-recall 0.50 --jedi-cache $(BUILD)/truth/django.json

# The soak (not in CI): 8 producers through ctx-emit with rotation for SOAK_SECONDS while
# ctx-aggregate loops; fails unless every event is in the log once and nothing is torn.
SOAK_SECONDS ?= 180

soak: deps
	@$(MAKE) --no-print-directory all
	@CTX_BIN=$(CURDIR)/$(BIN) SOAK_SECONDS=$(SOAK_SECONDS) sh tests/soak.sh

# Static analysis, zero findings allowed: cppcheck (warning, style, performance,
# portability; inline suppressions carry their reason) and clang-tidy with the check set
# and the reasons for what it leaves out in .clang-tidy. Both over lib/, tools/, tests/
# C files and bench/. One file per clang-tidy run: with several, clang-tidy 14 reports
# va_lists as uninitialized in every file after the first.
STATIC_SRC := $(LIB_SRC) $(TOOL_SRC) tests/unit.c $(wildcard tests/fuzz/*.c) $(wildcard bench/*.c)

check-static: deps
	@sh mk/linelen.sh && echo "line length: every line within 120 columns"
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability --std=c11 \
		--inline-suppr -D_GNU_SOURCE -Ilib --template='{file}:{line}: {severity}: {message} [{id}]' $(STATIC_SRC)
	@echo "cppcheck: no findings"
	@mkdir -p $(BUILD)
	@printf '%s\n' $(STATIC_SRC) | xargs -P $$(nproc) -n 1 \
		sh -c 'clang-tidy --quiet "$$@" -- $(CPPFLAGS) -I$(GRAMMAR_SRC_python) -std=c11' clang-tidy \
		>$(BUILD)/clang-tidy.log 2>&1; status=$$?; \
		grep -v 'warnings\? generated\.$$' $(BUILD)/clang-tidy.log; \
		[ $$status -eq 0 ] || { echo "clang-tidy: findings above" >&2; exit 1; }
	@echo "clang-tidy: no findings"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(TOOLS) $(PIPELINES) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/ctx
	install -m 0644 pipelines/common.sh $(DESTDIR)$(PREFIX)/share/ctx/
	install -d $(DESTDIR)$(PREFIX)/share/ctx/prometheus/targets
	install -m 0644 contrib/prometheus/*.yml $(DESTDIR)$(PREFIX)/share/ctx/prometheus/
	install -m 0644 contrib/prometheus/targets/*.yml $(DESTDIR)$(PREFIX)/share/ctx/prometheus/targets/
	$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(TOOLS) $(PIPELINES)))
	rm -f $(DESTDIR)$(PREFIX)/share/ctx/common.sh
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/ctx/prometheus/,$(notdir $(wildcard contrib/prometheus/*.yml)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/ctx/prometheus/targets/,$(notdir $(wildcard contrib/prometheus/targets/*.yml)))
	-rmdir $(DESTDIR)$(PREFIX)/share/ctx/prometheus/targets $(DESTDIR)$(PREFIX)/share/ctx/prometheus 2>/dev/null
	-rmdir $(DESTDIR)$(PREFIX)/share/ctx 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MANPAGES)))

clean:
	rm -rf bin build/out build/san build/fuzz

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d $(FUZZ_BUILD)/*.d $(FUZZ_BUILD)/*/*.d)
.SECONDARY:
