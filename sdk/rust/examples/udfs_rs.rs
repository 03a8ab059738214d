//! The C SDK's example functions again, in Rust (tests/client/test_wasm_udf.py
//! checks both against the same Python): norm(string) -> string and
//! bmi(double, double) -> double.
#![no_std]

use ember_udf::{Batch, StrBuilder, STRING};

ember_udf::signatures!(b"norm(string) -> string\nbmi(double, double) -> double\n");

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
