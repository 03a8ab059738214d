/*
 * Private to the data-source files of src/io (listing, partitions, splits).
 */
#ifndef EM_IO_INT_H
#define EM_IO_INT_H

#include "io.h"

/* An absolute, lexically normalised form of p ("file:" prefix dropped),
 * in arena a. NULL on OOM. */
char *em_io_abs_path(em_arena *a, const char *p);

/* Fills ix->part_schema and ix->part_values from the key=value directories
 * between each file and its base path (roots[], or o->base_path). */
int em_io_discover_partitions(em_file_index *ix, const char *const *roots, int nroots, const em_list_opts *o,
                              em_error *err);

#endif
