//! Guest SDK for Ember WebAssembly UDFs (ABI v1; see docs/wasm-udf-abi.md).
//!
//! Build for `wasm32-unknown-unknown` as a `cdylib`. A UDF is an exported
//! `extern "C" fn(b: &mut Batch) -> i32` called once per batch; arguments
//! are Arrow-layout columns in `b.arg(i)`, the result goes to `b.out`.
//! Memory allocated with [`alloc`] lives until the next batch.
#![no_std]

use core::arch::wasm32;

pub const ABI_VERSION: u32 = 2;

pub const BOOLEAN: u32 = 1;
pub const INT8: u32 = 2;
pub const INT16: u32 = 3;
pub const INT32: u32 = 4;
pub const INT64: u32 = 5;
pub const FLOAT32: u32 = 6;
pub const FLOAT64: u32 = 7;
pub const STRING: u32 = 8;
pub const BINARY: u32 = 9;
pub const DATE32: u32 = 10;
pub const TIMESTAMP: u32 = 11;
pub const TIMESTAMP_NTZ: u32 = 12;
pub const DECIMAL128: u32 = 13;
pub const LIST: u32 = 14;
pub const STRUCT: u32 = 15;

/// A column descriptor (eight 32-bit words).
#[repr(C)]
pub struct Col {
    pub ty: u32,
    pub precision: i32,
    pub scale: i32,
    pub null_count: u32,
    pub validity: *mut u8,
    pub offsets: *mut i32,
    pub values: *mut u8,
    pub values_len: u32,
}

/// The batch descriptor the host passes to a UDF.
#[repr(C)]
pub struct Batch {
    pub abi: u32,
    pub nrows: u32,
    pub nargs: u32,
    pub error: *const u8,
    pub error_len: u32,
    /// Aggregates: the state array, its length and the bytes per state.
    /// (Table functions: the parent rows and their count, set by the guest.)
    pub states: *mut u8,
    pub nstates: u32,
    pub state_size: u32,
    pub out: Col,
    args: [Col; 0],
}

const _: () = assert!(core::mem::size_of::<Col>() == 32);
const _: () = assert!(core::mem::size_of::<Batch>() == 64);

impl Col {
    #[inline]
    pub fn is_null(&self, i: u32) -> bool {
        !self.validity.is_null() && unsafe { (*self.validity.add((i >> 3) as usize) >> (i & 7)) & 1 == 0 }
    }
    #[inline]
    pub fn f64(&self, i: u32) -> f64 {
        unsafe { *(self.values as *const f64).add(i as usize) }
    }
    #[inline]
    pub fn i64(&self, i: u32) -> i64 {
        unsafe { *(self.values as *const i64).add(i as usize) }
    }
    #[inline]
    pub fn i32(&self, i: u32) -> i32 {
        unsafe { *(self.values as *const i32).add(i as usize) }
    }
    /// The bytes of row i of a STRING/BINARY column.
    #[inline]
    pub fn bytes(&self, i: u32) -> &[u8] {
        unsafe {
            let o0 = *self.offsets.add(i as usize) as usize;
            let o1 = *self.offsets.add(i as usize + 1) as usize;
            core::slice::from_raw_parts(self.values.add(o0), o1 - o0)
        }
    }
}

impl Batch {
    #[inline]
    pub fn arg(&self, i: u32) -> &Col {
        assert!(i < self.nargs);
        unsafe { &*self.args.as_ptr().add(i as usize) }
    }
    /// Reports a failure (the host raises FAILED_EXECUTE_UDF with `msg`); returns 1.
    pub fn fail(&mut self, msg: &'static str) -> i32 {
        self.error = msg.as_ptr();
        self.error_len = msg.len() as u32;
        1
    }
    /// Allocates the result's validity bitmap (all valid).
    pub fn out_validity(&mut self) -> &mut [u8] {
        let n = ((self.nrows + 7) / 8) as usize;
        if self.out.validity.is_null() {
            let p = alloc_or_trap(n);
            unsafe { core::ptr::write_bytes(p, 0xff, n) };
            self.out.validity = p;
        }
        unsafe { core::slice::from_raw_parts_mut(self.out.validity, n) }
    }
    pub fn out_set_null(&mut self, i: u32) {
        let v = self.out_validity();
        v[(i >> 3) as usize] &= !(1u8 << (i & 7));
    }
    /// NULL in argument `a` makes the result NULL.
    pub fn out_nulls_from(&mut self, a: u32) {
        let src = self.arg(a).validity;
        if src.is_null() {
            return;
        }
        let n = ((self.nrows + 7) / 8) as usize;
        let v = self.out_validity();
        for k in 0..n {
            v[k] &= unsafe { *src.add(k) };
        }
    }
    /// Aggregates: state `k` as a T (`#[repr(C)]`, at most state_size bytes).
    pub fn state<T>(&mut self, k: u32) -> &mut T {
        assert!(k < self.nstates && core::mem::size_of::<T>() <= self.state_size as usize);
        unsafe { &mut *(self.states.add(k as usize * self.state_size as usize) as *mut T) }
    }
    /// Aggregates (update, merge): the state index of row (or source) i.
    pub fn group(&self, i: u32) -> u32 {
        assert!(i < self.nrows);
        unsafe { *(self.out.values as *const i32).add(i as usize) as u32 }
    }
    /// Merge: source state i as a T.
    pub fn merge_src<T: Copy>(&self, i: u32) -> T {
        assert!(i < self.nrows && core::mem::size_of::<T>() <= self.state_size as usize);
        unsafe { core::ptr::read_unaligned(self.arg(0).values.add(i as usize * self.state_size as usize) as *const T) }
    }
    /// Finish: fixed-width result values of type T for the nstates states.
    pub fn out_state_values<T: Copy>(&mut self) -> &mut [T] {
        let n = self.nstates as usize;
        let bytes = n * core::mem::size_of::<T>();
        let p = alloc_or_trap(bytes.max(1));
        unsafe { core::ptr::write_bytes(p, 0, bytes) };
        self.out.values = p;
        self.out.values_len = bytes as u32;
        unsafe { core::slice::from_raw_parts_mut(p as *mut T, n) }
    }
    /// Finish: state k's result is NULL.
    pub fn out_state_null(&mut self, k: u32) {
        let n = ((self.nstates + 7) / 8) as usize;
        if self.out.validity.is_null() {
            let p = alloc_or_trap(n.max(1));
            unsafe { core::ptr::write_bytes(p, 0xff, n) };
            self.out.validity = p;
        }
        unsafe { *self.out.validity.add((k >> 3) as usize) &= !(1u8 << (k & 7)) };
    }
    /// Fixed-width result values of type T (zeroed).
    pub fn out_values<T: Copy>(&mut self) -> &mut [T] {
        let n = self.nrows as usize;
        let bytes = n * core::mem::size_of::<T>();
        let p = alloc_or_trap(bytes.max(1));
        unsafe { core::ptr::write_bytes(p, 0, bytes) };
        self.out.values = p;
        self.out.values_len = bytes as u32;
        unsafe { core::slice::from_raw_parts_mut(p as *mut T, n) }
    }
}

/// A STRING/BINARY result built row by row.
pub struct StrBuilder<'a> {
    b: &'a mut Batch,
    row: u32,
    cap: usize,
}

impl<'a> StrBuilder<'a> {
    pub fn new(b: &'a mut Batch, cap_hint: usize) -> Self {
        let cap = cap_hint.max(64);
        let offs = alloc_or_trap(4 * (b.nrows as usize + 1)) as *mut i32;
        unsafe { *offs = 0 };
        b.out.offsets = offs;
        b.out.values = alloc_or_trap(cap);
        b.out.values_len = 0;
        StrBuilder { b, row: 0, cap }
    }
    /// Room for n more bytes of the current row.
    pub fn reserve(&mut self, n: usize) -> &mut [u8] {
        let len = self.b.out.values_len as usize;
        if len + n > self.cap {
            let mut ncap = self.cap * 2;
            while ncap < len + n {
                ncap *= 2;
            }
            let nv = alloc_or_trap(ncap);
            unsafe { core::ptr::copy_nonoverlapping(self.b.out.values, nv, len) };
            self.b.out.values = nv;
            self.cap = ncap;
        }
        unsafe { core::slice::from_raw_parts_mut(self.b.out.values.add(len), n) }
    }
    /// Ends the current row after n bytes written into `reserve`'s slice.
    pub fn commit(&mut self, n: usize) {
        self.b.out.values_len += n as u32;
        self.row += 1;
        unsafe { *self.b.out.offsets.add(self.row as usize) = self.b.out.values_len as i32 };
    }
    pub fn push_null(&mut self) {
        let r = self.row;
        self.b.out_set_null(r);
        self.commit(0);
    }
}

// ---- the allocator: bump over linear memory, reset per batch ----

extern "C" {
    static __heap_base: u8;
}

static mut HEAP_START: usize = 0;
static mut TOP: usize = 0;
static mut END: usize = 0;

/// Allocates n bytes (16-aligned) until the next batch; None when memory cannot grow.
pub fn alloc(n: usize) -> Option<*mut u8> {
    unsafe {
        if HEAP_START == 0 {
            HEAP_START = ((&__heap_base as *const u8 as usize) + 15) & !15;
            TOP = HEAP_START;
            END = wasm32::memory_size(0) * 65536;
        }
        let n = (n + 15) & !15;
        if n > 0x7fff_ffff - TOP {
            return None;
        }
        while TOP + n > END {
            let need = (TOP + n - END + 65535) / 65536;
            let pages = need.max(16);
            if wasm32::memory_grow(0, pages) == usize::MAX {
                if wasm32::memory_grow(0, need) == usize::MAX {
                    return None;
                }
                END += need * 65536;
            } else {
                END += pages * 65536;
            }
        }
        let p = TOP as *mut u8;
        TOP += n;
        Some(p)
    }
}

/// Like [`alloc`], but traps when memory cannot grow (the host reports the limit).
pub fn alloc_or_trap(n: usize) -> *mut u8 {
    match alloc(n) {
        Some(p) => p,
        None => wasm32::unreachable(),
    }
}

#[no_mangle]
pub extern "C" fn ember_alloc(n: i32) -> i32 {
    match alloc(n as usize) {
        Some(p) => p as i32,
        None => 0,
    }
}

#[no_mangle]
pub extern "C" fn ember_reset() {
    unsafe {
        if HEAP_START != 0 {
            TOP = HEAP_START;
        }
    }
}

/// Declares signatures in the module's `ember.udf` custom section:
/// `ember_udf::signatures!(b"norm(string) -> string\nbmi(double, double) -> double\n");`
#[macro_export]
macro_rules! signatures {
    ($s:expr) => {
        #[link_section = "ember.udf"]
        #[used]
        static EMBER_UDF_SIGNATURES: [u8; $s.len()] = *$s;
    };
}

#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
