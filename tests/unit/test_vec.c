/*
 * Unit tests for em_buf, em_vec and em_batch: layout invariants, appenders
 * for every physical kind, nested building, range copies (including
 * unaligned bitmaps), batches and out-of-memory paths.
 */
#include "runner.h"

#include <stdint.h>

#include "arrow/arrow.h"

static int64_t lval(const em_vec *v, int64_t i) { return ((const int64_t *)em_vec_values(v))[i]; }

static bool str_is(const em_vec *v, int64_t i, const char *s) {
  int32_t n;
  const char *p = em_vec_str(v, i, &n);
  return (size_t)n == strlen(s) && memcmp(p, s, (size_t)n) == 0;
}

TEST(buf_aligned_zeroed_and_grows) {
  em_buf *b = em_buf_new(10);
  CHECK(b);
  CHECK(((uintptr_t)b->data & 63) == 0);
  CHECK(b->cap >= 10);
  for (size_t i = 0; i < b->cap; i++) CHECK(b->data[i] == 0);
  memset(b->data, 0xab, b->cap);
  size_t old = b->cap;
  CHECK_EQ_INT(em_buf_reserve(b, 1000), 0);
  CHECK(b->cap >= 1000);
  CHECK(((uintptr_t)b->data & 63) == 0);
  for (size_t i = 0; i < old; i++) CHECK(b->data[i] == 0xab);
  for (size_t i = old; i < b->cap; i++) CHECK(b->data[i] == 0);
  CHECK(em_buf_ref(b) == b);
  em_buf_unref(b);
  em_buf_unref(b);
}

TEST(fixed_with_nulls) {
  em_vec *v = em_vec_new(em_type_long(), 2);
  CHECK(v);
  for (int64_t i = 0; i < 100; i++) {
    if (i % 7 == 3)
      CHECK_EQ_INT(em_vec_append_null(v), 0);
    else
      CHECK_EQ_INT(em_vec_append_fixed(v, &i), 0);
  }
  CHECK_EQ_INT(v->len, 100);
  CHECK_EQ_INT(v->null_count, 14);
  CHECK(v->validity);
  for (int64_t i = 0; i < 100; i++) {
    CHECK_EQ_INT(em_vec_is_null(v, i), i % 7 == 3);
    CHECK_EQ_INT(lval(v, i), i % 7 == 3 ? 0 : i);
  }
  CHECK_EQ_INT(v->values->len, 800);
  CHECK_EQ_INT(v->validity->len, 13);
  em_vec_unref(v);
}

TEST(no_validity_until_first_null) {
  em_vec *v = em_vec_new(em_type_int(), 0);
  int32_t x = 5;
  for (int i = 0; i < 20; i++) CHECK_EQ_INT(em_vec_append_fixed(v, &x), 0);
  CHECK(v->validity == NULL);
  CHECK_EQ_INT(em_vec_append_null(v), 0);
  CHECK(v->validity);
  for (int i = 0; i < 20; i++) CHECK(!em_vec_is_null(v, i));
  CHECK(em_vec_is_null(v, 20));
  CHECK_EQ_INT(v->null_count, 1);
  em_vec_unref(v);
}

TEST(booleans_bit_packed) {
  em_vec *v = em_vec_new(em_type_boolean(), 0);
  for (int i = 0; i < 77; i++) {
    if (i % 5 == 0)
      CHECK_EQ_INT(em_vec_append_null(v), 0);
    else
      CHECK_EQ_INT(em_vec_append_bool(v, i % 3 == 0), 0);
  }
  for (int i = 0; i < 77; i++) {
    CHECK_EQ_INT(em_vec_is_null(v, i), i % 5 == 0);
    if (i % 5) CHECK_EQ_INT(em_bit_get(v->values->data, i), i % 3 == 0);
  }
  CHECK_EQ_INT(v->values->len, 10);
  /* A wrong appender for the type fails instead of corrupting. */
  int64_t x = 1;
  CHECK_EQ_INT(em_vec_append_fixed(v, &x), -1);
  CHECK_EQ_INT(em_vec_append_bytes(v, "a", 1), -1);
  em_vec_unref(v);
}

TEST(strings_and_binary) {
  em_vec *v = em_vec_new(em_type_string(), 1);
  CHECK_EQ_INT(em_vec_append_bytes(v, "hello", 5), 0);
  CHECK_EQ_INT(em_vec_append_null(v), 0);
  CHECK_EQ_INT(em_vec_append_bytes(v, "", 0), 0);
  char big[1000];
  memset(big, 'z', sizeof big);
  CHECK_EQ_INT(em_vec_append_bytes(v, big, sizeof big), 0);
  CHECK_EQ_INT(v->len, 4);
  CHECK(str_is(v, 0, "hello"));
  CHECK(em_vec_is_null(v, 1));
  int32_t n;
  em_vec_str(v, 1, &n);
  CHECK_EQ_INT(n, 0);
  CHECK(str_is(v, 2, ""));
  CHECK(!em_vec_is_null(v, 2));
  em_vec_str(v, 3, &n);
  CHECK_EQ_INT(n, 1000);
  CHECK_EQ_INT(em_vec_offsets(v)[4], 1005);
  CHECK_EQ_INT(v->data->len, 1005);
  em_vec_unref(v);

  em_vec *b = em_vec_new(em_type_binary(), 0);
  uint8_t bytes[3] = {0, 255, 7};
  CHECK_EQ_INT(em_vec_append_bytes(b, bytes, 3), 0);
  CHECK(memcmp(b->data->data, bytes, 3) == 0);
  em_vec_unref(b);
}

TEST(decimal_and_cal_interval_16_bytes) {
  em_type *dt = em_type_decimal(38, 10);
  em_vec *v = em_vec_new(dt, 0);
  em_type_unref(dt);
  uint8_t d[16];
  for (int i = 0; i < 16; i++) d[i] = (uint8_t)i;
  CHECK_EQ_INT(em_vec_append_fixed(v, d), 0);
  CHECK_EQ_INT(em_vec_append_null(v), 0);
  CHECK(memcmp(v->values->data, d, 16) == 0);
  CHECK_EQ_INT(v->values->len, 32);
  em_vec_unref(v);
}

/* array<struct<a:int, b:string>> built row by row. */
static em_type *list_of_struct_type(void) {
  em_type *st = em_type_struct_new(2);
  CHECK(st);
  CHECK_EQ_INT(em_type_struct_set(st, 0, "a", em_type_int(), true, NULL), 0);
  CHECK_EQ_INT(em_type_struct_set(st, 1, "b", em_type_string(), true, NULL), 0);
  return em_type_array(st, true);
}

static em_vec *build_list_of_struct(int rows) {
  em_type *t = list_of_struct_type();
  em_vec *v = em_vec_new(t, 0);
  em_type_unref(t);
  CHECK(v);
  em_vec *st = v->children[0];
  for (int r = 0; r < rows; r++) {
    if (r % 4 == 1) {
      CHECK_EQ_INT(em_vec_append_null(v), 0);
      continue;
    }
    for (int k = 0; k < r % 3; k++) {
      int32_t a = r * 10 + k;
      if (k == 1) {
        CHECK_EQ_INT(em_vec_append_null(st), 0);
        continue;
      }
      CHECK_EQ_INT(em_vec_append_fixed(st->children[0], &a), 0);
      char s[16];
      int n = snprintf(s, sizeof s, "s%d", a);
      CHECK_EQ_INT(em_vec_append_bytes(st->children[1], s, (size_t)n), 0);
      CHECK_EQ_INT(em_vec_append_struct_end(st, true), 0);
    }
    CHECK_EQ_INT(em_vec_append_list_end(v), 0);
  }
  return v;
}

static void check_list_of_struct(const em_vec *v, int first_row, int rows) {
  const em_vec *st = v->children[0];
  const int32_t *o = em_vec_offsets(v);
  CHECK_EQ_INT(o[0], 0);
  CHECK_EQ_INT(o[rows], st->len);
  CHECK_EQ_INT(st->children[0]->len, st->len);
  CHECK_EQ_INT(st->children[1]->len, st->len);
  for (int i = 0; i < rows; i++) {
    int r = first_row + i;
    CHECK_EQ_INT(em_vec_is_null(v, i), r % 4 == 1);
    int want = r % 4 == 1 ? 0 : r % 3;
    CHECK_EQ_INT(o[i + 1] - o[i], want);
    for (int k = 0; k < want; k++) {
      int64_t e = o[i] + k;
      CHECK_EQ_INT(em_vec_is_null(st, e), k == 1);
      if (k == 1) {
        CHECK(em_vec_is_null(st->children[0], e));
        continue;
      }
      CHECK_EQ_INT(((const int32_t *)em_vec_values(st->children[0]))[e], r * 10 + k);
      char s[16];
      snprintf(s, sizeof s, "s%d", r * 10 + k);
      CHECK(str_is(st->children[1], e, s));
    }
  }
}

TEST(nested_list_of_struct) {
  em_vec *v = build_list_of_struct(50);
  CHECK_EQ_INT(v->len, 50);
  check_list_of_struct(v, 0, 50);
  /* A list_end whose child shrank is refused. */
  em_vec_unref(v);
}

TEST(nested_slice_and_append_range) {
  em_vec *v = build_list_of_struct(50);
  for (int start = 0; start < 12; start++) {
    em_vec *s = em_vec_slice_copy(v, start, 50 - start - 3);
    CHECK(s);
    CHECK_EQ_INT(s->len, 47 - start);
    check_list_of_struct(s, start, 47 - start);
    em_vec_unref(s);
  }
  /* Piecewise append of the whole vector equals the original. */
  em_vec *d = em_vec_new(v->type, 0);
  CHECK_EQ_INT(em_vec_append_range(d, v, 0, 13), 0);
  CHECK_EQ_INT(em_vec_append_range(d, v, 13, 0), 0);
  CHECK_EQ_INT(em_vec_append_range(d, v, 13, 37), 0);
  CHECK_EQ_INT(d->len, 50);
  CHECK_EQ_INT(d->null_count, v->null_count);
  check_list_of_struct(d, 0, 50);
  CHECK_EQ_INT(em_vec_append_range(d, v, 40, 11), -1); /* out of range */
  CHECK(em_vec_slice_copy(v, 49, 2) == NULL);
  em_vec_unref(d);
  em_vec_unref(v);
}

TEST(map_string_to_array) {
  em_type *t = em_type_map(em_type_string(), em_type_array(em_type_long(), true), true);
  em_vec *m = em_vec_new(t, 0);
  em_type_unref(t);
  CHECK(m && m->nchildren == 1);
  em_vec *ent = m->children[0];
  CHECK_EQ_INT(ent->type->id, EM_T_STRUCT);
  CHECK_EQ_STR(ent->type->u.st.fields[0].name, "key");
  CHECK(!ent->type->u.st.fields[0].nullable);
  CHECK_EQ_STR(ent->type->u.st.fields[1].name, "value");
  for (int r = 0; r < 10; r++) {
    if (r == 4) {
      CHECK_EQ_INT(em_vec_append_null(m), 0);
      continue;
    }
    for (int k = 0; k < r % 3; k++) {
      char key[8];
      int n = snprintf(key, sizeof key, "k%d", k);
      CHECK_EQ_INT(em_vec_append_bytes(ent->children[0], key, (size_t)n), 0);
      em_vec *arr = ent->children[1];
      if (k == 1) {
        CHECK_EQ_INT(em_vec_append_null(arr), 0);
      } else {
        for (int64_t e = 0; e < r; e++) CHECK_EQ_INT(em_vec_append_fixed(arr->children[0], &e), 0);
        CHECK_EQ_INT(em_vec_append_list_end(arr), 0);
      }
      CHECK_EQ_INT(em_vec_append_struct_end(ent, true), 0);
    }
    CHECK_EQ_INT(em_vec_append_list_end(m), 0);
  }
  CHECK_EQ_INT(m->len, 10);
  CHECK_EQ_INT(m->null_count, 1);
  em_vec *s = em_vec_slice_copy(m, 5, 5);
  CHECK(s);
  /* rows 5..9: sizes 2,0,1,2,0 */
  const int32_t *o = em_vec_offsets(s);
  CHECK_EQ_INT(o[1], 2);
  CHECK_EQ_INT(o[2], 2);
  CHECK_EQ_INT(o[3], 3);
  CHECK_EQ_INT(o[5], 5);
  const em_vec *arr = s->children[0]->children[1];
  CHECK(em_vec_is_null(arr, 1));
  CHECK_EQ_INT(em_vec_offsets(arr)[1], 5); /* row 5, key k0: 5 longs */
  CHECK_EQ_INT(lval(arr->children[0], 4), 4);
  CHECK(str_is(s->children[0]->children[0], 1, "k1"));
  em_vec_unref(s);
  em_vec_unref(m);
}

TEST(struct_with_nulls_keeps_child_lengths) {
  em_type *st = em_type_struct_new(2);
  em_type_struct_set(st, 0, "x", em_type_double(), true, NULL);
  em_type_struct_set(st, 1, "y", em_type_boolean(), false, NULL);
  em_vec *v = em_vec_new(st, 0);
  em_type_unref(st);
  for (int i = 0; i < 30; i++) {
    if (i % 3 == 0) {
      CHECK_EQ_INT(em_vec_append_null(v), 0);
    } else {
      double x = i * 0.5;
      CHECK_EQ_INT(em_vec_append_fixed(v->children[0], &x), 0);
      CHECK_EQ_INT(em_vec_append_bool(v->children[1], i & 1), 0);
      CHECK_EQ_INT(em_vec_append_struct_end(v, true), 0);
    }
  }
  CHECK_EQ_INT(v->children[0]->len, 30);
  CHECK_EQ_INT(v->children[1]->len, 30);
  CHECK_EQ_INT(v->null_count, 10);
  em_vec *s = em_vec_slice_copy(v, 1, 20);
  for (int i = 0; i < 20; i++) {
    int r = i + 1;
    CHECK_EQ_INT(em_vec_is_null(s, i), r % 3 == 0);
    if (r % 3) {
      CHECK(((double *)em_vec_values(s->children[0]))[i] == r * 0.5);
      CHECK_EQ_INT(em_bit_get(s->children[1]->values->data, i), r & 1);
    }
  }
  em_vec_unref(s);
  em_vec_unref(v);
}

TEST(unaligned_bitmap_ranges) {
  /* Every (start, n) combination over a patterned boolean vector with nulls,
   * appended to a destination at a varying bit offset. */
  em_vec *v = em_vec_new(em_type_boolean(), 0);
  for (int i = 0; i < 90; i++) {
    if (i % 7 == 2)
      em_vec_append_null(v);
    else
      em_vec_append_bool(v, (i * 13) % 5 < 2);
  }
  for (int pre = 0; pre < 9; pre++) {
    for (int start = 0; start < 17; start++) {
      int n = 90 - start - pre;
      em_vec *d = em_vec_new(em_type_boolean(), 0);
      for (int i = 0; i < pre; i++) em_vec_append_bool(d, true);
      CHECK_EQ_INT(em_vec_append_range(d, v, start, n), 0);
      for (int i = 0; i < n; i++) {
        int r = start + i;
        CHECK_EQ_INT(em_vec_is_null(d, pre + i), r % 7 == 2);
        if (r % 7 != 2) CHECK_EQ_INT(em_bit_get(d->values->data, pre + i), (r * 13) % 5 < 2);
      }
      for (int i = 0; i < pre; i++) CHECK(!em_vec_is_null(d, i) && em_bit_get(d->values->data, i));
      int64_t nulls = 0;
      for (int i = 0; i < n; i++) nulls += (start + i) % 7 == 2;
      CHECK_EQ_INT(d->null_count, nulls);
      em_vec_unref(d);
    }
  }
  em_vec_unref(v);
}

TEST(null_type_and_new_nulls) {
  em_vec *v = em_vec_new_nulls(em_type_null(), 5);
  CHECK(v);
  CHECK_EQ_INT(v->len, 5);
  CHECK_EQ_INT(v->null_count, 5);
  CHECK(em_vec_is_null(v, 3));
  CHECK(v->values == NULL && v->validity == NULL);
  em_vec *s = em_vec_slice_copy(v, 1, 3);
  CHECK_EQ_INT(s->len, 3);
  CHECK_EQ_INT(s->null_count, 3);
  em_vec_unref(s);
  em_vec_unref(v);

  em_type *t = list_of_struct_type();
  em_vec *l = em_vec_new_nulls(t, 9);
  em_type_unref(t);
  CHECK_EQ_INT(l->null_count, 9);
  CHECK_EQ_INT(em_vec_offsets(l)[9], 0);
  for (int i = 0; i < 9; i++) CHECK(em_vec_is_null(l, i));
  em_vec_unref(l);
}

TEST(reserve_and_ensure_validity) {
  em_vec *v = em_vec_new(em_type_string(), 0);
  CHECK_EQ_INT(em_vec_reserve(v, 1000, 5000), 0);
  CHECK(v->values->cap >= 4004);
  CHECK(v->data->cap >= 5000);
  em_vec_append_bytes(v, "ab", 2);
  em_vec_append_bytes(v, "cd", 2);
  CHECK_EQ_INT(em_vec_ensure_validity(v), 0);
  CHECK(!em_vec_is_null(v, 0) && !em_vec_is_null(v, 1));
  CHECK_EQ_INT(v->null_count, 0);
  CHECK_EQ_INT(em_vec_reserve(v, -1, 0), -1);
  em_vec_unref(v);
}

TEST(ref_counting) {
  em_vec *v = em_vec_new(em_type_int(), 4);
  CHECK(em_vec_ref(v) == v);
  em_vec_unref(v);
  int32_t x = 1;
  CHECK_EQ_INT(em_vec_append_fixed(v, &x), 0); /* still alive */
  em_vec_unref(v);
}

static em_batch *two_col_batch(int rows) {
  em_type *schema = em_type_struct_new(2);
  em_type_struct_set(schema, 0, "id", em_type_long(), false, NULL);
  em_type_struct_set(schema, 1, "s", em_type_string(), true, NULL);
  em_vec *cols[2] = {em_vec_new(em_type_long(), rows), em_vec_new(em_type_string(), rows)};
  for (int64_t i = 0; i < rows; i++) {
    em_vec_append_fixed(cols[0], &i);
    if (i % 2)
      em_vec_append_null(cols[1]);
    else
      em_vec_append_bytes(cols[1], "xyz", 3);
  }
  return em_batch_new(schema, 2, cols, rows);
}

TEST(batch_slice_and_bytes) {
  em_batch *b = two_col_batch(100);
  CHECK(b);
  CHECK_EQ_INT(b->nrows, 100);
  /* 800 (longs) + 404 (offsets) + 150 (data) + 13 (validity) */
  CHECK_EQ_INT(em_batch_bytes(b), 800 + 404 + 150 + 13);
  em_batch *s = em_batch_slice_copy(b, 10, 20);
  CHECK(s);
  CHECK_EQ_INT(s->nrows, 20);
  CHECK_EQ_INT(lval(s->cols[0], 0), 10);
  CHECK_EQ_INT(lval(s->cols[0], 19), 29);
  CHECK(str_is(s->cols[1], 0, "xyz"));
  CHECK(em_vec_is_null(s->cols[1], 1));
  CHECK(s->schema == b->schema);
  CHECK(em_batch_slice_copy(b, 90, 11) == NULL);
  CHECK(em_batch_ref(s) == s);
  em_batch_unref(s);
  em_batch_unref(s);
  em_batch_unref(b);
}

TEST(out_of_memory_paths_fail_cleanly) {
  /* Fail each allocation in turn while building and slicing a nested vector;
   * every failure must be reported (NULL or -1), never crash or leak. */
  int failures_seen = 0;
  for (uint64_t k = 1; k < 400; k++) {
    em_type *t = em_type_map(em_type_string(), em_type_array(em_type_long(), true), true);
    em_mem_fail_after(k);
    em_vec *m = em_vec_new(t, 0);
    int rc = m ? 0 : -1;
    for (int r = 0; m && rc == 0 && r < 20; r++) {
      em_vec *ent = m->children[0];
      rc |= em_vec_append_bytes(ent->children[0], "key", 3);
      int64_t e = r;
      rc |= em_vec_append_fixed(ent->children[1]->children[0], &e);
      rc |= em_vec_append_list_end(ent->children[1]);
      rc |= em_vec_append_struct_end(ent, true);
      rc |= r % 5 == 0 ? em_vec_append_null(m) : em_vec_append_list_end(m);
    }
    em_vec *s = (m && rc == 0) ? em_vec_slice_copy(m, 2, 15) : NULL;
    uint64_t used = em_mem_fail_after(0);
    em_type_unref(t);
    if (rc || !m || !s) failures_seen++;
    em_vec_unref(s);
    em_vec_unref(m);
    if (used < k) break; /* the injected failure was never reached */
  }
  CHECK(failures_seen > 10);
}

TEST_LIST{
    TEST_ENTRY(buf_aligned_zeroed_and_grows),
    TEST_ENTRY(fixed_with_nulls),
    TEST_ENTRY(no_validity_until_first_null),
    TEST_ENTRY(booleans_bit_packed),
    TEST_ENTRY(strings_and_binary),
    TEST_ENTRY(decimal_and_cal_interval_16_bytes),
    TEST_ENTRY(nested_list_of_struct),
    TEST_ENTRY(nested_slice_and_append_range),
    TEST_ENTRY(map_string_to_array),
    TEST_ENTRY(struct_with_nulls_keeps_child_lengths),
    TEST_ENTRY(unaligned_bitmap_ranges),
    TEST_ENTRY(null_type_and_new_nulls),
    TEST_ENTRY(reserve_and_ensure_validity),
    TEST_ENTRY(ref_counting),
    TEST_ENTRY(batch_slice_and_bytes),
    TEST_ENTRY(out_of_memory_paths_fail_cleanly),
    TEST_END,
};
