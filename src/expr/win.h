/*
 * Window functions: what a window expression is once resolved, and its
 * vectorized evaluation over a sorted run of rows.
 *
 * The window operator (exec/op_window.c) hands a run: the rows of one task
 * partition sorted by (partition keys, order keys), cut into window
 * partitions (pstart) and peer groups (rows with equal order keys). Every
 * window expression is evaluated over the whole run at once: frames are
 * computed per row as a half-open range [lo, hi) of run rows that never
 * crosses a window partition (win_frame.c), then the function is evaluated
 * for every row: ranking and offset functions from positions (win_rank.c),
 * aggregates over the frames (win_agg.c).
 */
#ifndef EM_EXPR_WIN_H
#define EM_EXPR_WIN_H

#include "expr.h"

typedef enum em_win_fn {
  EM_WF_AGG, /* an aggregate function (EM_EX_AGG call) over the frame */
  EM_WF_ROW_NUMBER,
  EM_WF_RANK,
  EM_WF_DENSE_RANK,
  EM_WF_PERCENT_RANK,
  EM_WF_CUME_DIST,
  EM_WF_NTILE,
  EM_WF_LAG,  /* also lead: offset negated */
  EM_WF_NTH_VALUE,
} em_win_fn;

/* Constants a window function's resolver chooses (u.fn.data of the call). */
typedef struct em_win_cfg {
  em_win_fn fn;
  int64_t n;         /* ntile buckets, lag offset (lead: -offset), nth_value n */
  bool ignore_nulls; /* nth_value, lag/lead */
  bool is_lead;      /* for the generated name */
} em_win_cfg;

/* A frame bound. */
typedef enum em_frame_bound { EM_FB_UNBOUNDED, EM_FB_CURRENT, EM_FB_OFFSET } em_frame_bound;

typedef struct em_win_frame {
  bool rows; /* ROWS, else RANGE */
  em_frame_bound lo_kind, hi_kind;
  /* ROWS: row offsets. RANGE: value offsets (in the order key's unit;
   * decimals scaled to the key's scale). */
  int64_t lo_off, hi_off;
  long double lo_val, hi_val;
} em_win_frame;

/* One window expression of a Window node. */
typedef struct em_win_expr {
  em_expr *call;      /* EM_EX_AGG, or EM_EX_CALL of a window function (u.fn.data is em_win_cfg) */
  em_win_fn fn;
  em_win_frame frame;
} em_win_expr;

/* A sorted run of rows and its structure. */
typedef struct em_win_run {
  int64_t n;
  const int64_t *pstart; /* npart + 1 entries: partition p is [pstart[p], pstart[p+1]) */
  int npart;
  const uint32_t *part;      /* partition of each row */
  const int64_t *peer_start; /* first row of each row's peer group */
  const int64_t *peer_end;   /* one past its last row */
  const em_vec *order_key;   /* the first order key (RANGE frames with offsets) */
  bool order_asc;
} em_win_run;

/* Evaluates w over the run (rows: the run's input columns). *out is a new
 * vector of run->n values of w->call->type. */
int em_win_eval(const em_win_expr *w, const em_batch *rows, const em_win_run *run, em_eval_ctx *ctx, em_vec **out,
                em_error *err);

/* The frame of every row (win_frame.c): lo[i], hi[i] (half-open). */
void em_win_frames(const em_win_frame *f, const em_win_run *run, int64_t *lo, int64_t *hi);

/* min/max over sliding frames whose bounds only move forward (win_minmax.c):
 * a monotonic deque per window partition, O(n). 1 when the call or the
 * frames do not qualify (nothing done), 0 with *out set, -1 on error. */
int em_win_minmax(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo,
                  const int64_t *hi, em_vec **out, em_error *err);

/* Aggregate over frames (win_agg.c): the call's arguments already
 * evaluated over the run. */
int em_win_agg_eval(const em_expr *call, em_vec *const *args, const em_win_run *run, const int64_t *lo,
                    const int64_t *hi, em_vec **out, em_error *err);

#endif
