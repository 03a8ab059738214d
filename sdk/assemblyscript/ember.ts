// The AssemblyScript SDK for Ember WebAssembly UDFs (ABI v2, see
// docs/wasm-udf-abi.md). Compile with the stub runtime (no GC: the heap is
// reset before every batch) and append the signatures:
//
//   asc udfs.ts --runtime stub -O3 --noAssert -o udfs.raw.wasm
//   python3 sdk/tools/add_section.py udfs.raw.wasm udfs.sig udfs.wasm
//
// The entry file re-exports the allocator: `export { ember_alloc, ember_reset } from "../ember";`
// and each UDF is `export function name(b: usize): i32` over the batch
// descriptor at b. Columns are read and written with raw loads and stores,
// so no managed objects live across batches. AssemblyScript imports
// `env.abort` (on the sandbox's allow-list: it traps).

export const BOOLEAN: u32 = 1;
export const INT32: u32 = 4;
export const INT64: u32 = 5;
export const FLOAT64: u32 = 7;
export const STRING: u32 = 8;
export const LIST: u32 = 14;
export const STRUCT: u32 = 15;

// ---- memory ----

export function ember_alloc(n: i32): i32 {
  return <i32>heap.alloc(<usize>n);
}

export function ember_reset(): void {
  heap.reset();
}

export function alloc(n: usize): usize {
  const p = heap.alloc(n > 0 ? n : 1);
  memory.fill(p, 0, n);
  return p;
}

// ---- the batch ----

@inline export function nrows(b: usize): u32 { return load<u32>(b, 4); }
@inline export function out(b: usize): usize { return b + 32; }
@inline export function arg(b: usize, i: u32): usize { return b + 64 + 32 * <usize>i; }

export function fail(b: usize, msg: string): i32 {
  const s = String.UTF8.encode(msg);
  const n = s.byteLength;
  const p = alloc(<usize>n);
  memory.copy(p, changetype<usize>(s), <usize>n);
  store<u32>(b, <u32>p, 12);
  store<u32>(b, <u32>n, 16);
  return 1;
}

// ---- columns: type 0, precision 4, scale 8, null_count 12, validity 16,
// offsets 20, values 24, values_len 28 ----

@inline export function isNull(c: usize, i: u32): bool {
  const v = load<u32>(c, 16);
  return v != 0 && ((load<u8>(<usize>v + (i >> 3)) >> (i & 7)) & 1) == 0;
}
@inline export function i64At(c: usize, i: u32): i64 { return load<i64>(<usize>load<u32>(c, 24) + (<usize>i << 3)); }
@inline export function f64At(c: usize, i: u32): f64 { return load<f64>(<usize>load<u32>(c, 24) + (<usize>i << 3)); }
@inline export function i32At(c: usize, i: u32): i32 { return load<i32>(<usize>load<u32>(c, 24) + (<usize>i << 2)); }
// Row i of a STRING column: its address (return) and length (lenOf).
@inline export function bytesAt(c: usize, i: u32): usize {
  return <usize>load<u32>(c, 24) + <usize>load<i32>(<usize>load<u32>(c, 20) + (<usize>i << 2));
}
@inline export function lenAt(c: usize, i: u32): u32 {
  const o = <usize>load<u32>(c, 20) + (<usize>i << 2);
  return <u32>(load<i32>(o, 4) - load<i32>(o));
}

export function setNull(c: usize, n: u32, i: u32): void {
  let v = <usize>load<u32>(c, 16);
  if (v == 0) {
    const nb = <usize>((n + 7) >> 3);
    v = alloc(nb);
    memory.fill(v, 0xff, nb);
    store<u32>(c, <u32>v, 16);
  }
  const bit: u32 = 1 << (i & 7);
  store<u8>(v + (i >> 3), <u8>(<u32>load<u8>(v + (i >> 3)) & ~bit));
}

// Allocates n values of `width` bytes for column c; returns their address.
export function values(c: usize, n: u32, width: u32): usize {
  const nb = <usize>n * width;
  const p = alloc(nb);
  store<u32>(c, <u32>p, 24);
  store<u32>(c, <u32>nb, 28);
  return p;
}

// STRING column of n rows with nbytes bytes: returns the bytes' address;
// the offsets (n + 1 int32, offsets[0] = 0) are at load<u32>(c, 20).
export function strings(c: usize, n: u32, nbytes: u32): usize {
  const o = alloc(<usize>(n + 1) * 4);
  const p = alloc(<usize>nbytes);
  store<u32>(c, <u32>o, 20);
  store<u32>(c, <u32>p, 24);
  store<u32>(c, nbytes, 28);
  return p;
}

// Makes c a STRUCT of k fields; returns the first field's descriptor (each 32 bytes).
export function fields(c: usize, k: u32): usize {
  const f = alloc(<usize>k * 32);
  store<u32>(c, STRUCT, 0);
  store<u32>(c, <u32>f, 24);
  store<u32>(c, k, 28);
  return f;
}

// ---- aggregates: header words 5..7 ----

@inline export function nstates(b: usize): u32 { return load<u32>(b, 24); }
@inline export function state(b: usize, k: u32): usize { return <usize>load<u32>(b, 20) + <usize>k * load<u32>(b, 28); }
@inline export function group(b: usize, i: u32): u32 { return <u32>i32At(out(b), i); }
@inline export function mergeSrc(b: usize, i: u32): usize {
  return <usize>load<u32>(arg(b, 0), 24) + <usize>i * load<u32>(b, 28);
}

// ---- table functions: the parent rows (n int32, ascending) ----

export function setRows(b: usize, parent: usize, n: u32): void {
  store<u32>(b, <u32>parent, 20);
  store<u32>(b, n, 24);
}
