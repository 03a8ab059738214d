/*
 * min and max over sliding window frames in O(n) with a monotonic deque
 * (instead of recomputing every frame from its rows).
 *
 * Within a window partition, ROWS frames and RANGE frames over a sorted
 * order key have bounds that never move backwards: lo[i] <= lo[i+1] and
 * hi[i] <= hi[i+1]. Rows enter the deque as hi passes them and leave it
 * from the front as lo passes them; a new row first drops from the back
 * every row it beats (strictly: among equal values the earliest stays in
 * front, as Spark's row-by-row greatest/least keeps the first), so the
 * front is always the frame's extreme. NULLs never enter (min/max skip
 * them); an empty deque gives NULL. Values compare with Spark's ordering
 * (em_nested_cmp: NaN above every number).
 */
#include "agg_fn.h"
#include "fn_nested.h"
#include "win.h"

int em_win_minmax(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo,
                  const int64_t *hi, em_vec **out, em_error *err) {
  int kind = em_agg_minmax_kind(call);
  if (kind < 0 || call->nargs != 1 || args[0]->type->id == EM_T_NULL) return 1;
  int64_t n = run->n;
  for (int64_t i = 1; i < n; i++)
    if (run->part[i] == run->part[i - 1] && (lo[i] < lo[i - 1] || hi[i] < hi[i - 1])) return 1;
  const em_vec *v = args[0];
  int sign = kind ? 1 : -1; /* max: a later row beats a smaller one */
  int64_t *dq = em_malloc(sizeof *dq * (size_t)(n + 1)), *pick = em_malloc(sizeof *pick * (size_t)(n + 1));
  if (!dq || !pick) {
    em_free(dq);
    em_free(pick);
    return em_error_internal(err, "out of memory in a window aggregate");
  }
  for (int p = 0; p < run->npart; p++) {
    int64_t s = run->pstart[p], e = run->pstart[p + 1];
    int64_t head = 0, tail = 0, next = s;
    for (int64_t i = s; i < e; i++) {
      for (; next < hi[i]; next++) {
        if (em_vec_is_null(v, next)) continue;
        while (tail > head && sign * em_nested_cmp(v, next, v, dq[tail - 1]) > 0) tail--;
        dq[tail++] = next;
      }
      while (tail > head && dq[head] < lo[i]) head++;
      pick[i] = tail > head ? dq[head] : -1;
    }
  }
  em_vec *r = em_nested_gather(call->type, v, pick, n);
  em_free(dq);
  em_free(pick);
  if (!r) return em_error_internal(err, "out of memory in a window aggregate");
  *out = r;
  return 0;
}
