# ctx tools. `make` builds bin/; `make test` installs what is missing, builds, runs every
# test; `make test SAN=1` does the same with AddressSanitizer and UBSan in build/san/.

PREFIX   ?= /usr/local
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -std=c11 -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror
GRAMMAR_VERSION := $(shell sed -n "s/^grammar_version=//p" mk/deps.sh)
CPPFLAGS += -D_GNU_SOURCE -Ilib -I/usr/include/cjson -DCTX_GRAMMAR_VERSION=\"$(GRAMMAR_VERSION)\"
LDLIBS    = -lcjson -lcrypto -lpcre2-8 -ltree-sitter -lpthread -lm

ifeq ($(SAN),1)
BUILD    := build/san
BIN      := $(BUILD)/bin
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    := build/out
BIN      := bin
endif

GRAMMAR_SRC := build/tree-sitter-python/package/src
LIB_SRC     := $(wildcard lib/*.c)
LIB_OBJ     := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
TOOL_SRC    := $(wildcard tools/*.c)
TOOLS       := $(TOOL_SRC:tools/%.c=$(BIN)/%)
GRAMMAR_OBJ := $(BUILD)/grammar/parser.o $(BUILD)/grammar/scanner.o
PIPELINES   := $(wildcard pipelines/ctx-*)
MANPAGES    := $(wildcard man/*.1)

ROOT     ?= sample

.PHONY: all deps test unit bench run clean install uninstall
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

# The grammar is generated third-party code: our warning flags are not its business.
$(BUILD)/grammar/%.o: $(GRAMMAR_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -I$(GRAMMAR_SRC) $(CFLAGS) -w -c -o $@ $<

$(GRAMMAR_SRC)/parser.c $(GRAMMAR_SRC)/scanner.c:
	@sh mk/deps.sh build

$(BUILD)/libctx.a: $(LIB_OBJ) $(GRAMMAR_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/tools/%.o $(BUILD)/libctx.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libctx.a $(LDLIBS)

$(BUILD)/unit: $(BUILD)/tests/unit.o $(BUILD)/libctx.a
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libctx.a $(LDLIBS)

unit: $(BUILD)/unit

run: deps
	@$(MAKE) --no-print-directory all
	@sh pipelines/ctx-run $(ROOT)

test: deps
	@$(MAKE) --no-print-directory all unit
	@CTX_BIN=$(CURDIR)/$(BIN) sh tests/run $(BUILD)/unit

$(BUILD)/bench/parse_only: bench/parse_only.c $(GRAMMAR_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(GRAMMAR_OBJ) -ltree-sitter

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/parse_only
	@CTX_BIN=$(CURDIR)/$(BIN) CTX_BENCH_BIN=$(CURDIR)/$(BUILD)/bench sh bench/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(TOOLS) $(PIPELINES) $(DESTDIR)$(PREFIX)/bin/
	$(if $(MANPAGES),install -m 0644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(TOOLS) $(PIPELINES)))
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MANPAGES)))

clean:
	rm -rf bin build/out build/san

-include $(wildcard $(BUILD)/*/*.d)
.SECONDARY:
