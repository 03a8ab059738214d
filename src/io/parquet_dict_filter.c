/*
 * Dictionary filtering of row groups (parquet-mr's DictionaryFilter, which
 * Spark runs by default, parquet.filter.dictionary.enabled): when every
 * data page of a column chunk is dictionary-encoded, the dictionary page
 * lists every distinct non-null value of the chunk, so an equality whose
 * literal is not among them matches no row of the row group, whatever the
 * min/max statistics say (values scattered between min and max).
 *
 * Only the dictionary page is read: its header at the chunk's start, then
 * its (decompressed) PLAIN values, compared with the literal the way
 * statistics are (em_pq_cmp_value). This is an optimisation: anything
 * unexpected (a page that is not a dictionary, a type the comparison does
 * not know, a read or decode failure) keeps the row group, and the chunk's
 * normal read reports what is wrong with it.
 */
#include "parquet_int.h"

#include <string.h>

#define HEADER_READ 4096
#define DICT_MAX ((int64_t)1 << 28) /* bytes: larger dictionaries are not read for filtering */

/* Whether the n plain values at p (num of them) exclude lit. */
static bool plain_excludes(const em_pq_node *leaf, const uint8_t *p, size_t n, int32_t num, const em_vec *lit) {
  int width;
  switch (leaf->elem->type) {
  case EM_PQ_INT32: case EM_PQ_FLOAT: width = 4; break;
  case EM_PQ_INT64: case EM_PQ_DOUBLE: width = 8; break;
  case EM_PQ_BYTE_ARRAY: width = 0; break;
  default: return false;
  }
  size_t pos = 0;
  for (int32_t i = 0; i < num; i++) {
    size_t len = (size_t)width;
    if (!width) {
      if (n - pos < 4) return false;
      uint32_t l;
      memcpy(&l, p + pos, 4);
      pos += 4;
      len = l;
    }
    if (len > n - pos) return false;
    int c = em_pq_cmp_value(leaf, p + pos, len, lit);
    if (c != -1 && c != 1) return false; /* equal, or not comparable */
    pos += len;
  }
  return true;
}

bool em_pq_dict_excludes(int fd, int64_t file_size, const em_pq_meta *m, int rg, const em_pq_node *leaf,
                         const em_vec *const *lits, int nlits) {
  if (nlits <= 0) return false;
  if (rg < 0 || rg >= m->nrowgroups || leaf->leaf < 0 || leaf->leaf >= m->rowgroups[rg].ncols) return false;
  const em_pq_chunk *ch = &m->rowgroups[rg].cols[leaf->leaf];
  if (!ch->dict_only || ch->external || ch->encrypted || ch->num_values <= 0) return false;
  int64_t start = ch->dictionary_page_offset > 0 ? ch->dictionary_page_offset : ch->data_page_offset;
  int64_t limit = file_size - 8; /* the footer's length and magic follow the data */
  if (start < 4 || start >= limit) return false;
  int64_t hn = limit - start < HEADER_READ ? limit - start : HEADER_READ;
  uint8_t head[HEADER_READ];
  if (em_pq_pread(fd, head, (size_t)hn, start)) return false;
  em_pq_page pg;
  if (em_pq_read_page_header(head, (size_t)hn, &pg) || pg.type != EM_PQ_PAGE_DICT) return false;
  if ((pg.encoding != 0 && pg.encoding != 2) || pg.num_values < 0 || pg.compressed_size < 0 ||
      pg.uncompressed_size < 0 || pg.compressed_size > DICT_MAX || pg.uncompressed_size > DICT_MAX)
    return false;
  int64_t body = start + (int64_t)pg.header_len;
  if (pg.compressed_size > limit - body) return false;
  uint8_t *raw = em_malloc((size_t)pg.compressed_size + 1);
  uint8_t *plain = em_malloc((size_t)pg.uncompressed_size + 1);
  bool excl = false;
  em_error err;
  if (raw && plain && !em_pq_pread(fd, raw, (size_t)pg.compressed_size, body) &&
      !em_pq_decompress(ch->codec, raw, (size_t)pg.compressed_size, plain, (size_t)pg.uncompressed_size, &err))
  {
    excl = true;
    for (int k = 0; k < nlits && excl; k++)
      excl = plain_excludes(leaf, plain, (size_t)pg.uncompressed_size, pg.num_values, lits[k]);
  }
  em_free(raw);
  em_free(plain);
  return excl;
}
