/*
 * Spill files (see spill.h): unlinked temporary files of length-prefixed
 * Arrow IPC streams, one batch each.
 */
#include "spill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool em_spill_should(const em_exec_ctx *ctx, const em_error *err) {
  return ctx->spill_dir && ctx->spill_dir[0] && err->cls == EM_ERR_MEMORY_LIMIT;
}

static int io_error(em_error *err, const char *what) {
  return em_error_internal(err, "spill file %s failed: %s", what, strerror(errno));
}

em_spill_file *em_spill_create(em_exec_ctx *ctx, em_error *err) {
  const char *dir = ctx->spill_dir && ctx->spill_dir[0] ? ctx->spill_dir : "/tmp";
  size_t n = strlen(dir) + 32;
  char *path = em_malloc(n);
  em_spill_file *sf = em_calloc(1, sizeof *sf);
  if (!path || !sf) {
    em_free(path);
    em_free(sf);
    return em_error_internal(err, "out of memory creating a spill file"), NULL;
  }
  snprintf(path, n, "%s/ember-spill-XXXXXX", dir);
  int fd = mkstemp(path);
  if (fd < 0) {
    io_error(err, "creation");
    em_free(path);
    em_free(sf);
    return NULL;
  }
  /* The name goes at once: nothing can be left behind. */
  unlink(path);
  em_free(path);
  sf->f = fdopen(fd, "w+b");
  if (!sf->f) {
    io_error(err, "open");
    close(fd);
    em_free(sf);
    return NULL;
  }
  if (ctx->spill_stats) atomic_fetch_add(&ctx->spill_stats->files, 1);
  return sf;
}

int em_spill_write(em_spill_file *sf, em_exec_ctx *ctx, const em_batch *b, em_error *err) {
  if (sf->reading) return em_error_internal(err, "spill file written after reading");
  em_strbuf sb;
  em_strbuf_init(&sb);
  em_ipc_write_opts opts = {.timezone = "UTC"};
  em_batch *one = (em_batch *)b;
  if (em_ipc_write_stream(b->schema, &one, 1, &opts, &sb, err)) {
    em_strbuf_free(&sb);
    return -1;
  }
  uint8_t len[8];
  uint64_t l = sb.len;
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(l >> (8 * i));
  int rc = 0;
  if (fwrite(len, 1, 8, sf->f) != 8 || fwrite(sb.data, 1, sb.len, sf->f) != sb.len) rc = io_error(err, "write");
  em_strbuf_free(&sb);
  if (rc) return -1;
  sf->bytes += (int64_t)l + 8;
  sf->nbatches++;
  if (ctx && ctx->spill_stats) atomic_fetch_add(&ctx->spill_stats->bytes, (int64_t)l + 8);
  return 0;
}

int em_spill_rewind(em_spill_file *sf, em_error *err) {
  if (fflush(sf->f) || fseeko(sf->f, 0, SEEK_SET)) return io_error(err, "seek");
  sf->reading = true;
  return 0;
}

/* Gives a vector read back the writer's types (same physical layout). */
static void retype(em_vec *v, em_type *t) {
  if (v->type != t) {
    em_type *old = v->type;
    v->type = em_type_ref(t);
    em_type_unref(old);
  }
  switch (t->id) {
  case EM_T_ARRAY:
    if (v->nchildren == 1) retype(v->children[0], t->u.array.elem);
    break;
  case EM_T_STRUCT:
    for (int i = 0; i < v->nchildren && i < t->u.st.nfields; i++) retype(v->children[i], t->u.st.fields[i].type);
    break;
  default:
    break;
  }
}

/* Decodes one block of l bytes at buf into *out. */
static int decode(const uint8_t *buf, uint64_t l, em_type *schema, em_batch **out, em_error *err);

int em_spill_read(em_spill_file *sf, em_type *schema, em_batch **out, em_error *err) {
  *out = NULL;
  if (!sf->reading && em_spill_rewind(sf, err)) return -1;
  uint8_t len[8];
  size_t got = fread(len, 1, 8, sf->f);
  if (got == 0 && feof(sf->f)) return 0;
  if (got != 8) return io_error(err, "read");
  uint64_t l = 0;
  for (int i = 0; i < 8; i++) l |= (uint64_t)len[i] << (8 * i);
  if (l > (1ull << 40)) return em_error_internal(err, "corrupt spill file");
  if (l > sf->cap) {
    uint8_t *nb = em_realloc(sf->buf, (size_t)l);
    if (!nb) return em_error_internal(err, "out of memory reading a spill file");
    sf->buf = nb;
    sf->cap = (size_t)l;
  }
  if (fread(sf->buf, 1, (size_t)l, sf->f) != (size_t)l) return io_error(err, "read");
  return decode(sf->buf, l, schema, out, err);
}

int em_spill_flush(em_spill_file *sf, em_error *err) {
  if (fflush(sf->f)) return io_error(err, "flush");
  return 0;
}

int em_spill_read_at(em_spill_file *sf, int64_t *off, em_type *schema, em_batch **out, em_error *err) {
  return em_spill_read_until(sf, off, sf->bytes, schema, out, err);
}

int em_spill_read_until(em_spill_file *sf, int64_t *off, int64_t end, em_type *schema, em_batch **out, em_error *err) {
  *out = NULL;
  if (*off >= end) return 0;
  int fd = fileno(sf->f);
  uint8_t len[8];
  if (pread(fd, len, 8, (off_t)*off) != 8) return io_error(err, "read");
  uint64_t l = 0;
  for (int i = 0; i < 8; i++) l |= (uint64_t)len[i] << (8 * i);
  if (l > (uint64_t)(end - *off - 8)) return em_error_internal(err, "corrupt spill file");
  uint8_t *buf = em_malloc((size_t)(l ? l : 1));
  if (!buf) return em_error_internal(err, "out of memory reading a spill file");
  if (pread(fd, buf, (size_t)l, (off_t)(*off + 8)) != (ssize_t)l) {
    em_free(buf);
    return io_error(err, "read");
  }
  int rc = decode(buf, l, schema, out, err);
  em_free(buf);
  if (!rc) *off += 8 + (int64_t)l;
  return rc;
}

static int decode(const uint8_t *buf, uint64_t l, em_type *schema, em_batch **out, em_error *err) {
  em_type *rschema = NULL;
  em_batch **bs = NULL;
  int nb = 0;
  if (em_ipc_read_stream_any(buf, (size_t)l, &rschema, &bs, &nb, err)) return -1;
  em_type_unref(rschema);
  if (nb != 1) {
    em_batches_free(bs, nb);
    return em_error_internal(err, "corrupt spill file");
  }
  em_batch *b = bs[0];
  em_free(bs);
  if (b->ncols != schema->u.st.nfields) {
    em_batch_unref(b);
    return em_error_internal(err, "spill file schema mismatch");
  }
  for (int c = 0; c < b->ncols; c++) retype(b->cols[c], schema->u.st.fields[c].type);
  em_type *old = b->schema;
  b->schema = em_type_ref(schema);
  em_type_unref(old);
  *out = b;
  return 0;
}

void em_spill_free(em_spill_file *sf) {
  if (!sf) return;
  if (sf->f) fclose(sf->f);
  em_free(sf->buf);
  em_free(sf);
}

em_type *em_spill_schema(const em_type *a, em_type *const *extra, int nextra, const char *prefix) {
  int na = a->u.st.nfields;
  em_type *t = em_type_struct_new(na + nextra);
  if (!t) return NULL;
  for (int i = 0; i < na; i++) {
    const em_field *f = &a->u.st.fields[i];
    if (em_type_struct_set(t, i, f->name, em_type_ref(f->type), true, NULL)) goto fail;
  }
  for (int i = 0; i < nextra; i++) {
    char name[40];
    snprintf(name, sizeof name, "%s%d", prefix, i);
    if (em_type_struct_set(t, na + i, name, em_type_ref(extra[i]), true, NULL)) goto fail;
  }
  return t;
fail:
  em_type_unref(t);
  return NULL;
}
