# crm_profile: PGXS build.
#
# One shared library built from every C file under src/, and one install
# script per version assembled from the per-area SQL files in a fixed order.

EXTENSION   = crm_profile
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" crm_profile.control)

# Areas in dependency order: a later area may use an earlier one's objects.
AREAS       = names identity rfm tags churn views

MODULE_big  = crm_profile
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c))) \
              $(patsubst %.cpp,%.o,$(sort $(wildcard src/*/*.cpp)))

# Released scripts are frozen under src/sql/ and never edited.  The current
# version's install script, and the upgrade from the last release, are built.
RELEASED    = $(wildcard src/sql/crm_profile--*.sql)
AREA_SQL    = $(wildcard $(foreach a,$(AREAS),src/$(a)/$(a).sql))
DATA        = $(RELEASED)
DATA_built  = crm_profile--$(EXTVERSION).sql crm_profile--0.1.0--$(EXTVERSION).sql
EXTRA_CLEAN = results/ regression.diffs regression.out output_iso/ log/ tmp_check/

ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null || echo -licui18n -licuuc -licudata)
PG_CPPFLAGS = -Isrc $(ICU_CFLAGS) -DCRM_PROFILE_VERSION=\"$(EXTVERSION)\"
SHLIB_LINK  = -lroaring $(ICU_LIBS) -lm

# pg_regress: one file per topic, init first.
REGRESS      = init $(filter-out init,$(sort $(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --encoding=UTF8 --no-locale
ISOLATION      = $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=output_iso --load-extension=crm_profile

# An area that needs more (a library, a C++ shim) says so in src/<area>/area.mk
# (e.g. SHLIB_LINK += -lfoo), and lists its Debian build packages in
# src/<area>/debian-packages, read by test/lib/common.sh.
-include $(sort $(wildcard src/*/area.mk))

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

crm_profile--$(EXTVERSION).sql: src/sql/header.sql src/sql/core.sql $(AREA_SQL) src/sql/footer.sql
	cat $^ > $@

crm_profile--0.1.0--$(EXTVERSION).sql: src/sql/upgrade_header.sql $(AREA_SQL) src/sql/footer.sql
	cat $^ > $@

.PHONY: test demo bench
test:
	test/run_tests.sh
demo:
	test/demo.sh
