"""Writes snappy_dict_pages.parquet (run from this directory with pyarrow):
6000 rows in one row group, SNAPPY, small pages (1 KiB) with a page index,
dictionary-encoded columns whose dictionaries grow with the rows (values
appear in row order, so the rows of the first pages use only the start of
each dictionary): k BIGINT sorted (what filters select pages by), v BIGINT
of ~4000 distinct values, d DOUBLE, i INT with nulls, s STRING.
tests/unit/test_parquet_page_index.c reads it."""

import pyarrow as pa
import pyarrow.parquet as pq

N = 6000
k = list(range(N))
v = [(r * 7919) % 4001 * 1000003 for r in k]
d = [((r * 31) % 2500) / 4.0 for r in k]
i = [None if r % 11 == 0 else (r * 13) % 1700 for r in k]
s = [f"s{(r * 17) % 900:04d}" for r in k]
t = pa.table({"k": pa.array(k, pa.int64()), "v": pa.array(v, pa.int64()), "d": pa.array(d, pa.float64()),
              "i": pa.array(i, pa.int32()), "s": pa.array(s, pa.string())})
pq.write_table(t, "snappy_dict_pages.parquet", compression="snappy", data_page_size=1024,
               write_page_index=True, use_dictionary=True, row_group_size=N, write_statistics=True)
