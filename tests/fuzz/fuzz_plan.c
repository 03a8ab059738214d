/*
 * Fuzz target: request decoding and planning. The input is a serialized
 * ExecutePlanRequest; it is unpacked, its root relation converted to a spec
 * and analyzed, and the resulting plan compiled into pipelines (not run:
 * a hostile range could be endless). Any outcome but a crash, a leak or an
 * out-of-bounds access is fine.
 */
#include <stdint.h>
#include <string.h>

#include "connect/connect_int.h"
#include "exec/exec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Spark__Connect__ExecutePlanRequest *req = spark__connect__execute_plan_request__unpack(NULL, size, data);
  if (!req) return 0;
  em_connect_state svc;
  memset(&svc, 0, sizeof svc);
  em_session sess;
  memset(&sess, 0, sizeof sess);
  sess.svc = &svc;
  sess.session_id = "00000000-0000-4000-8000-000000000000";
  memcpy(sess.server_side_id, "00000000-0000-4000-8000-000000000001", 37);
  pthread_mutex_init(&sess.mu, NULL);
  pthread_mutex_init(&svc.mu, NULL);
  atomic_store(&sess.next_expr_id, 1);

  em_error err;
  Spark__Connect__Relation *root = NULL, *owned = NULL;
  if (em_plan_root(req->plan, &root, &owned, &err) == 0) {
    em_spec spec;
    em_spec_init(&spec);
    em_spec_rel *rel = NULL;
    if (em_proto_to_spec(&sess, root, &spec, &rel, &err) == 0) {
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
  pthread_mutex_destroy(&sess.mu);
  pthread_mutex_destroy(&svc.mu);
  spark__connect__execute_plan_request__free_unpacked(req, NULL);
  return 0;
}
