/*
 * Fuzz target: request decoding and planning. The input is a serialized
 * ExecutePlanRequest; it is unpacked, its root relation converted to a spec
 * and analyzed, and the resulting plan compiled into pipelines (not run:
 * a hostile range could be endless). Any outcome but a crash, a leak or an
 * out-of-bounds access is fine.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "connect/connect_int.h"
#include "exec/exec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One service for the process, as in the server: catalog relations
 * (listTables, createTable, ...) reach its persistent catalog, kept in a
 * private temporary warehouse. Each input gets a fresh session through the
 * server's own lifecycle, so whatever a relation leaves in it is freed. */
static em_connect_state svc;
static char dir[] = "/tmp/ember-fuzz-plan-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void remove_warehouse(void) {
  if (svc.catalog) em_catalog_close(svc.catalog);
  svc.catalog = NULL;
  nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static em_connect_state *fuzz_service(void) {
  static bool ready;
  if (!ready) {
    pthread_mutex_init(&svc.mu, NULL);
    em_error err;
    if (mkdtemp(dir)) {
      if (em_catalog_open(dir, &svc.catalog, &err)) svc.catalog = NULL;
      atexit(remove_warehouse);
    }
    ready = true;
  }
  return &svc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Spark__Connect__ExecutePlanRequest *req = spark__connect__execute_plan_request__unpack(NULL, size, data);
  if (!req) return 0;
  static const char *sid = "00000000-0000-4000-8000-000000000000";
  em_connect_state *svc = fuzz_service();
  em_error err;
  em_session *sess = em_session_get(svc, "fuzz", sid, true, NULL, &err);
  if (!sess) {
    spark__connect__execute_plan_request__free_unpacked(req, NULL);
    return 0;
  }
  Spark__Connect__Relation *root = NULL, *owned = NULL;
  if (em_plan_root(req->plan, &root, &owned, &err) == 0) {
    em_spec spec;
    em_spec_init(&spec);
    em_spec_rel *rel = NULL;
    if (em_proto_to_spec(sess, root, &spec, &rel, &err) == 0) {
      _Atomic int64_t ids = 1;
      em_analyze_ctx ctx = {.case_sensitive = false, .ansi = true, .default_parallelism = 2, .next_expr_id = &ids};
      em_plan *plan = NULL;
      if (em_analyze(rel, &ctx, &plan, &err) == 0) {
        em_arena a;
        em_arena_init(&a, 1024);
        em_pipeline *p = NULL;
        em_exec_compile(plan, &a, &p, &err);
        em_arena_destroy(&a);
        em_plan_free(plan);
      }
    }
    em_spec_release(&spec);
  }
  if (owned) spark__connect__relation__free_unpacked(owned, NULL);
  char closed_id[37];
  em_session_close(svc, "fuzz", sid, true, closed_id, &err);
  em_session_release(svc, sess);
  spark__connect__execute_plan_request__free_unpacked(req, NULL);
  return 0;
}
