/*
 * Decoded footers kept between reads (io/parquet_footer_cache.c): a file
 * read twice is decoded once; a file replaced at the same path (another
 * file copied over it in place, so the inode stays; or one whose footer
 * differs in a single byte) is decoded again, never answered from the old
 * entry; a damaged file fails every time and is not kept; entries in use
 * survive clearing the cache.
 *
 * Files: tests/data/parquet/rowgroups.parquet (4 row groups of 100 rows)
 * and dict_rowgroups.parquet.
 */
#include "runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/parquet_int.h"

static char tmp_path[256];

static void copy_into(const char *name) {
  const char *src = getenv("EMBER_SOURCE_DIR");
  CHECK(src);
  char from[1024];
  snprintf(from, sizeof from, "%s/tests/data/parquet/%s", src, name);
  FILE *in = fopen(from, "rb");
  CHECK(in);
  /* "r+b" keeps the inode of an existing file (a rewrite in place). */
  FILE *out = fopen(tmp_path, "r+b");
  if (!out) out = fopen(tmp_path, "wb");
  CHECK(out);
  char buf[65536];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    CHECK(fwrite(buf, 1, n, out) == n);
    total += n;
  }
  fclose(in);
  CHECK(fflush(out) == 0);
  CHECK(ftruncate(fileno(out), (off_t)total) == 0);
  fclose(out);
}

static em_pq_footer *get(int *rc) {
  int fd = open(tmp_path, O_RDONLY);
  CHECK(fd >= 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  em_error err;
  memset(&err, 0, sizeof err);
  em_pq_footer *f = NULL;
  *rc = em_pq_footer_get(fd, (int64_t)st.st_size, tmp_path, &f, &err);
  em_error_clear(&err);
  close(fd);
  return f;
}

static void setup(void) {
  snprintf(tmp_path, sizeof tmp_path, "/tmp/ember-footer-%d.parquet", (int)getpid());
  unlink(tmp_path);
  em_pq_footer_cache_clear();
}

TEST(second_read_is_the_cached_footer) {
  setup();
  copy_into("rowgroups.parquet");
  int rc;
  em_pq_footer *a = get(&rc);
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(em_pq_footer_meta(a)->nrowgroups, 4);
  CHECK_EQ_INT(em_pq_footer_cache_entries(), 1);
  em_pq_footer *b = get(&rc);
  CHECK_EQ_INT(rc, 0);
  CHECK(a == b);
  em_pq_footer_release(a);
  em_pq_footer_release(b);
  unlink(tmp_path);
  em_pq_footer_cache_clear();
  CHECK_EQ_INT(em_pq_footer_cache_entries(), 0);
}

TEST(a_file_replaced_in_place_is_decoded_again) {
  setup();
  copy_into("rowgroups.parquet");
  int rc;
  em_pq_footer *a = get(&rc);
  CHECK_EQ_INT(rc, 0);
  int64_t rows_a = em_pq_footer_meta(a)->num_rows;
  /* Another file written over it (same inode, likely the same mtime). */
  copy_into("dict_rowgroups.parquet");
  em_pq_footer *b = get(&rc);
  CHECK_EQ_INT(rc, 0);
  CHECK(a != b);
  /* The old entry still reads as it did for its holder. */
  CHECK_EQ_INT(em_pq_footer_meta(a)->num_rows, rows_a);
  const em_pq_meta *mb = em_pq_footer_meta(b);
  CHECK(mb->raw_len != em_pq_footer_meta(a)->raw_len || memcmp(mb->raw, em_pq_footer_meta(a)->raw, mb->raw_len) != 0);
  CHECK_EQ_INT(em_pq_footer_cache_entries(), 1);
  em_pq_footer_release(a);
  em_pq_footer_release(b);

  /* One byte of the footer changed (a statistic, say), same size. */
  em_pq_footer *c = get(&rc);
  CHECK_EQ_INT(rc, 0);
  size_t raw_len = em_pq_footer_meta(c)->raw_len;
  struct stat st;
  CHECK(stat(tmp_path, &st) == 0);
  int fd = open(tmp_path, O_RDWR);
  CHECK(fd >= 0);
  off_t at = st.st_size - 8 - (off_t)raw_len + (off_t)raw_len / 2;
  uint8_t byte;
  CHECK(pread(fd, &byte, 1, at) == 1);
  byte ^= 0x01;
  CHECK(pwrite(fd, &byte, 1, at) == 1);
  close(fd);
  em_pq_footer *d = get(&rc);
  /* Decoded again: whatever the changed byte means, it is not the
   * cached entry. */
  CHECK(d != c);
  em_pq_footer_release(c);
  em_pq_footer_release(d);
  unlink(tmp_path);
  em_pq_footer_cache_clear();
}

TEST(damaged_files_fail_every_time_and_are_not_kept) {
  setup();
  copy_into("rowgroups.parquet");
  int rc;
  em_pq_footer *a = get(&rc);
  CHECK_EQ_INT(rc, 0);
  em_pq_footer_release(a);
  /* The magic at the end overwritten. */
  int fd = open(tmp_path, O_RDWR);
  CHECK(fd >= 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK(pwrite(fd, "XXXX", 4, st.st_size - 4) == 4);
  close(fd);
  for (int i = 0; i < 2; i++) {
    em_pq_footer *b = get(&rc);
    CHECK_EQ_INT(rc, -1);
    CHECK(b == NULL);
  }
  CHECK_EQ_INT(em_pq_footer_cache_entries(), 0);
  unlink(tmp_path);
}

TEST(entries_in_use_survive_a_clear) {
  setup();
  copy_into("rowgroups.parquet");
  int rc;
  em_pq_footer *a = get(&rc);
  CHECK_EQ_INT(rc, 0);
  em_pq_footer_cache_clear();
  CHECK_EQ_INT(em_pq_footer_cache_entries(), 0);
  /* Still readable by its holder (ASan would see a use after free). */
  CHECK_EQ_INT(em_pq_footer_meta(a)->nrowgroups, 4);
  CHECK(em_pq_footer_schema(a)->nleaves > 0);
  em_pq_footer_release(a);
  unlink(tmp_path);
}

TEST_LIST{
    TEST_ENTRY(second_read_is_the_cached_footer),
    TEST_ENTRY(a_file_replaced_in_place_is_decoded_again),
    TEST_ENTRY(damaged_files_fail_every_time_and_are_not_kept),
    TEST_ENTRY(entries_in_use_survive_a_clear),
    TEST_END,
};
