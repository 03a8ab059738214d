// Example Ember UDFs in AssemblyScript, the same functions as the C, Rust
// and Go examples (used by tests/client/test_wasm_sdks.py); signatures in
// udfs_as.sig, appended as the `ember.udf` section by the build.
import {
  arg, bytesAt, f64At, fail, fields, group, i64At, INT32, isNull, lenAt, mergeSrc, nrows, nstates, out, setNull,
  setRows, state, STRING, strings, values, alloc,
} from "../ember";
export { ember_alloc, ember_reset } from "../ember";

@inline function isSpace(c: u8): bool { return c == 32 || (c >= 9 && c <= 13); }

// norm(string) -> string: trims, collapses ASCII white space, lower-cases ASCII.
export function norm(b: usize): i32 {
  const s = arg(b, 0);
  if (load<u32>(s) != STRING) return fail(b, "norm expects a string");
  const n = nrows(b);
  const o = out(b);
  // The result is never longer than the input.
  const dst = strings(o, n, load<u32>(s, 28));
  const offs = <usize>load<u32>(o, 20);
  let at: u32 = 0;
  store<i32>(offs, 0);
  for (let i: u32 = 0; i < n; i++) {
    if (isNull(s, i)) {
      setNull(o, n, i);
    } else {
      const p = bytesAt(s, i);
      const len = lenAt(s, i);
      let pending = false;
      const start = at;
      for (let k: u32 = 0; k < len; k++) {
        let c = load<u8>(p + k);
        if (isSpace(c)) {
          pending = at > start;
          continue;
        }
        if (pending) store<u8>(dst + at++, 32);
        pending = false;
        if (c >= 65 && c <= 90) c += 32;
        store<u8>(dst + at++, c);
      }
    }
    store<i32>(offs + ((<usize>i + 1) << 2), <i32>at);
  }
  store<u32>(o, at, 28);
  return 0;
}

// bmi(double, double) -> double
export function bmi(b: usize): i32 {
  const w = arg(b, 0), h = arg(b, 1), o = out(b);
  const n = nrows(b);
  const v = values(o, n, 8);
  for (let i: u32 = 0; i < n; i++) {
    if (isNull(w, i) || isNull(h, i)) {
      setNull(o, n, i);
      continue;
    }
    const hh = f64At(h, i);
    store<f64>(v + (<usize>i << 3), f64At(w, i) / (hh * hh));
  }
  return 0;
}

// add_or(bigint, bigint) -> bigint: a + b, or the non-NULL one, or NULL.
export function add_or(b: usize): i32 {
  const x = arg(b, 0), y = arg(b, 1), o = out(b);
  const n = nrows(b);
  const v = values(o, n, 8);
  for (let i: u32 = 0; i < n; i++) {
    const xn = isNull(x, i), yn = isNull(y, i);
    if (xn && yn) setNull(o, n, i);
    else store<i64>(v + (<usize>i << 3), (xn ? 0 : i64At(x, i)) + (yn ? 0 : i64At(y, i)));
  }
  return 0;
}

// isum2(bigint) -> bigint state 16: the sum of squares of the non-NULL values.
export function isum2_init(b: usize): i32 { return 0; } // zeroed {sum, count}

export function isum2_update(b: usize): i32 {
  const v = arg(b, 0);
  const n = nrows(b);
  for (let i: u32 = 0; i < n; i++) {
    if (isNull(v, i)) continue;
    const s = state(b, group(b, i));
    const x = i64At(v, i);
    store<i64>(s, load<i64>(s) + x * x);
    store<i64>(s, load<i64>(s, 8) + 1, 8);
  }
  return 0;
}

export function isum2_merge(b: usize): i32 {
  const n = nrows(b);
  for (let i: u32 = 0; i < n; i++) {
    const d = state(b, group(b, i)), s = mergeSrc(b, i);
    store<i64>(d, load<i64>(d) + load<i64>(s));
    store<i64>(d, load<i64>(d, 8) + load<i64>(s, 8), 8);
  }
  return 0;
}

export function isum2_finish(b: usize): i32 {
  const o = out(b), n = nstates(b);
  const v = values(o, n, 8);
  for (let k: u32 = 0; k < n; k++) {
    const s = state(b, k);
    if (load<i64>(s, 8) == 0) setNull(o, n, k);
    else store<i64>(v + (<usize>k << 3), load<i64>(s));
  }
  return 0;
}

// tokens(string) -> table(token string, pos int): the words, split at spaces.
export function tokens(b: usize): i32 {
  const s = arg(b, 0);
  const n = nrows(b);
  let nout: u32 = 0, nbytes: u32 = 0;
  for (let pass = 0; pass < 2; pass++) {
    let f: usize = 0, dst: usize = 0, offs: usize = 0, pos: usize = 0, parent: usize = 0;
    if (pass == 1) {
      f = fields(out(b), 2);
      store<u32>(f, STRING);
      store<u32>(f + 32, INT32);
      dst = strings(f, nout, nbytes);
      offs = <usize>load<u32>(f, 20);
      store<i32>(offs, 0);
      pos = values(f + 32, nout, 4);
      parent = alloc(<usize>nout * 4);
      setRows(b, parent, nout);
    }
    let r: u32 = 0, at: u32 = 0;
    for (let i: u32 = 0; i < n; i++) {
      if (isNull(s, i)) continue;
      const p = bytesAt(s, i), len = lenAt(s, i);
      let k: u32 = 0, word: i32 = 0;
      while (k < len) {
        while (k < len && load<u8>(p + k) == 32) k++;
        const start = k;
        while (k < len && load<u8>(p + k) != 32) k++;
        if (k == start) continue;
        if (pass == 0) {
          nout++;
          nbytes += k - start;
        } else {
          memory.copy(dst + at, p + start, k - start);
          at += k - start;
          store<i32>(parent + (<usize>r << 2), <i32>i);
          store<i32>(pos + (<usize>r << 2), word);
          r++;
          store<i32>(offs + (<usize>r << 2), <i32>at);
        }
        word++;
      }
    }
  }
  return 0;
}
