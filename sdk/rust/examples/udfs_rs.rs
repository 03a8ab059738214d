//! The C SDK's example functions again, in Rust (tests/client/test_wasm_udf.py
//! checks both against the same Python): norm(string) -> string and
//! bmi(double, double) -> double; and an aggregate, isum2(bigint) -> bigint
//! (the sum of squares of the non-NULL values; tests/client/test_wasm_kinds.py).
#![no_std]

use ember_udf::{Batch, StrBuilder, STRING};

ember_udf::signatures!(b"norm(string) -> string\nbmi(double, double) -> double\nisum2(bigint) -> bigint state 16\n");

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x0b)
}

#[no_mangle]
pub extern "C" fn norm(b: &mut Batch) -> i32 {
    if b.nargs != 1 || b.arg(0).ty != STRING {
        return b.fail("norm expects one string");
    }
    let n = b.nrows;
    let cap = b.arg(0).values_len as usize + 16;
    let src: *const ember_udf::Col = b.arg(0);
    let mut sb = StrBuilder::new(b, cap);
    for i in 0..n {
        let s = unsafe { &*src };
        if s.is_null(i) {
            sb.push_null();
            continue;
        }
        let p = s.bytes(i);
        let o = sb.reserve(p.len());
        let mut k = 0;
        let mut pending = false;
        for &c in p {
            if is_space(c) {
                pending = k > 0;
                continue;
            }
            if pending {
                o[k] = b' ';
                k += 1;
            }
            pending = false;
            o[k] = c.to_ascii_lowercase();
            k += 1;
        }
        sb.commit(k);
    }
    0
}

#[no_mangle]
pub extern "C" fn bmi(b: &mut Batch) -> i32 {
    b.out_nulls_from(0);
    b.out_nulls_from(1);
    let n = b.nrows;
    let (w, h): (*const ember_udf::Col, *const ember_udf::Col) = (b.arg(0), b.arg(1));
    let out = b.out_values::<f64>();
    for i in 0..n {
        let (w, h) = unsafe { (&*w, &*h) };
        let hh = h.f64(i);
        out[i as usize] = w.f64(i) / (hh * hh);
    }
    0
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Isum2 {
    sum: i64,
    count: i64,
}

#[no_mangle]
pub extern "C" fn isum2_init(b: &mut Batch) -> i32 {
    *b.state::<Isum2>(0) = Isum2 { sum: 0, count: 0 };
    0
}

#[no_mangle]
pub extern "C" fn isum2_update(b: &mut Batch) -> i32 {
    let v: *const ember_udf::Col = b.arg(0);
    for i in 0..b.nrows {
        let v = unsafe { &*v };
        if v.is_null(i) {
            continue;
        }
        let x = v.i64(i);
        let g = b.group(i);
        let s = b.state::<Isum2>(g);
        s.sum += x * x;
        s.count += 1;
    }
    0
}

#[no_mangle]
pub extern "C" fn isum2_merge(b: &mut Batch) -> i32 {
    for i in 0..b.nrows {
        let src = b.merge_src::<Isum2>(i);
        let g = b.group(i);
        let d = b.state::<Isum2>(g);
        d.sum += src.sum;
        d.count += src.count;
    }
    0
}

#[no_mangle]
pub extern "C" fn isum2_finish(b: &mut Batch) -> i32 {
    let out: *mut i64 = b.out_state_values::<i64>().as_mut_ptr();
    for k in 0..b.nstates {
        let s = *b.state::<Isum2>(k);
        if s.count == 0 {
            b.out_state_null(k);
        } else {
            unsafe { *out.add(k as usize) = s.sum };
        }
    }
    0
}
