// Package ember is the Go SDK for Ember WebAssembly UDFs (ABI v2, see
// docs/wasm-udf-abi.md). Build a module with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o udfs.wasm .
//
// and declare each function with //go:wasmexport in package main:
//
//	//go:wasmexport norm
//	func norm(d int32) int32 { b := ember.BatchAt(d); ...; return 0 }
//
// Go's runtime imports a few WASI functions; Ember serves them with a
// deterministic shim (no files, clock or entropy). Signatures go in the
// module's `ember.udf` custom section, which Go cannot emit: the build
// appends it from a text file (sdk/tools/add_section.py).
//
// This package exports ember_alloc and ember_reset. Memory handed to the host
// (results, error messages) comes from Alloc and stays valid until the next
// batch; the Go garbage collector does not move it.
package ember

import "unsafe"

// Type codes of the ABI.
const (
	Boolean      = 1
	Int8         = 2
	Int16        = 3
	Int32        = 4
	Int64        = 5
	Float32      = 6
	Float64      = 7
	String       = 8
	Binary       = 9
	Date32       = 10
	Timestamp    = 11
	TimestampNTZ = 12
	Decimal128   = 13
	List         = 14
	Struct       = 15
)

// Col is a column descriptor in linear memory (8 little-endian words).
type Col struct {
	Type, Precision, Scale, NullCount uint32
	Validity, Offsets, Values, ValuesLen uint32
}

// Batch is the descriptor the host passes to every call.
type Batch struct {
	ABI, NRows, NArgs uint32
	Error, ErrorLen   uint32
	// Aggregates: the state array. Table functions: Parent (address of the
	// int32 parent rows) and NOut, set by the guest.
	States, NStates, StateSize uint32
	Out                        Col
}

// BatchAt is the batch whose address the host passed.
func BatchAt(addr int32) *Batch { return (*Batch)(ptr(uint32(addr))) }

func ptr(a uint32) unsafe.Pointer { return unsafe.Pointer(uintptr(a)) }
func addr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

// Arg is argument column i.
func (b *Batch) Arg(i int) *Col {
	return (*Col)(unsafe.Add(unsafe.Pointer(&b.Out), 32*(i+1)))
}

// ---- memory ----

var live [][]byte

// Alloc returns n zeroed bytes that stay put until the next batch.
func Alloc(n int) []byte {
	if n <= 0 {
		n = 1
	}
	buf := make([]byte, n+8)
	off := (8 - int(uintptr(unsafe.Pointer(&buf[0])))&7) & 7
	buf = buf[off : off+n]
	live = append(live, buf)
	return buf
}

//go:wasmexport ember_alloc
func emberAlloc(n int32) int32 {
	return int32(addr(unsafe.Pointer(&Alloc(int(n))[0])))
}

//go:wasmexport ember_reset
func emberReset() {
	clear(live)
	live = live[:0]
}

// Fail reports an error message; return its result from the export.
func (b *Batch) Fail(msg string) int32 {
	m := Alloc(len(msg))
	copy(m, msg)
	b.Error = addr(unsafe.Pointer(&m[0]))
	b.ErrorLen = uint32(len(msg))
	return 1
}

// ---- reading ----

// IsNull tells whether row i is NULL.
func (c *Col) IsNull(i int) bool {
	if c.Validity == 0 {
		return false
	}
	return (*(*byte)(ptr(c.Validity + uint32(i>>3))))>>(i&7)&1 == 0
}

func (c *Col) Int32(i int) int32     { return *(*int32)(ptr(c.Values + 4*uint32(i))) }
func (c *Col) Int64(i int) int64     { return *(*int64)(ptr(c.Values + 8*uint32(i))) }
func (c *Col) Float64(i int) float64 { return *(*float64)(ptr(c.Values + 8*uint32(i))) }
func (c *Col) Bool(i int) bool       { return (*(*byte)(ptr(c.Values + uint32(i>>3))))>>(i&7)&1 == 1 }

// Bytes is row i of a STRING or BINARY column (a view into host-written
// memory: copy it to keep it).
func (c *Col) Bytes(i int) []byte {
	o := (*[2]int32)(ptr(c.Offsets + 4*uint32(i)))
	if o[1] == o[0] {
		return nil
	}
	return unsafe.Slice((*byte)(ptr(c.Values+uint32(o[0]))), int(o[1]-o[0]))
}

// ListRange is the range of row i's elements in ListChild.
func (c *Col) ListRange(i int) (int, int) {
	o := (*[2]int32)(ptr(c.Offsets + 4*uint32(i)))
	return int(o[0]), int(o[1])
}

// ListChild is a LIST column's element column.
func (c *Col) ListChild() *Col { return (*Col)(ptr(c.Values)) }

// Field is a STRUCT column's field k.
func (c *Col) Field(k int) *Col { return (*Col)(ptr(c.Values + 32*uint32(k))) }

// ---- writing ----

// SetNull marks row i of an n-row column NULL.
func (c *Col) SetNull(n, i int) {
	if c.Validity == 0 {
		v := Alloc((n + 7) / 8)
		for k := range v {
			v[k] = 0xff
		}
		c.Validity = addr(unsafe.Pointer(&v[0]))
	}
	p := (*byte)(ptr(c.Validity + uint32(i>>3)))
	*p &^= 1 << (i & 7)
}

// Float64s allocates the values of an n-row DOUBLE column.
func (c *Col) Float64s(n int) []float64 {
	buf := Alloc(8 * n)
	c.Values, c.ValuesLen = addr(unsafe.Pointer(&buf[0])), uint32(8*n)
	return unsafe.Slice((*float64)(unsafe.Pointer(&buf[0])), n)
}

// Int64s allocates the values of an n-row BIGINT column.
func (c *Col) Int64s(n int) []int64 {
	buf := Alloc(8 * n)
	c.Values, c.ValuesLen = addr(unsafe.Pointer(&buf[0])), uint32(8*n)
	return unsafe.Slice((*int64)(unsafe.Pointer(&buf[0])), n)
}

// Int32s allocates the values of an n-row INT column.
func (c *Col) Int32s(n int) []int32 {
	buf := Alloc(4 * n)
	c.Values, c.ValuesLen = addr(unsafe.Pointer(&buf[0])), uint32(4*n)
	return unsafe.Slice((*int32)(unsafe.Pointer(&buf[0])), n)
}

// Fields makes c a STRUCT of n fields and returns their descriptors (types
// to set).
func (c *Col) Fields(n int) []Col {
	buf := Alloc(32 * n)
	c.Type, c.Values, c.ValuesLen = Struct, addr(unsafe.Pointer(&buf[0])), uint32(n)
	return unsafe.Slice((*Col)(unsafe.Pointer(&buf[0])), n)
}

// StrBuilder builds a STRING/BINARY column row by row.
type StrBuilder struct {
	c    *Col
	n    int
	offs []int32
	data []byte
}

// NewStrBuilder starts an n-row STRING column in c.
func NewStrBuilder(c *Col, n, capHint int) *StrBuilder {
	return &StrBuilder{c: c, n: n, offs: make([]int32, 1, n+1), data: make([]byte, 0, capHint)}
}

// Append adds the next row.
func (s *StrBuilder) Append(p []byte) {
	s.data = append(s.data, p...)
	s.offs = append(s.offs, int32(len(s.data)))
}

// AppendString adds the next row.
func (s *StrBuilder) AppendString(p string) {
	s.data = append(s.data, p...)
	s.offs = append(s.offs, int32(len(s.data)))
}

// Null adds a NULL row.
func (s *StrBuilder) Null() {
	s.c.SetNull(s.n, len(s.offs)-1)
	s.offs = append(s.offs, int32(len(s.data)))
}

// Finish hands the column to the host.
func (s *StrBuilder) Finish() {
	o := Alloc(4 * len(s.offs))
	copy(unsafe.Slice((*int32)(unsafe.Pointer(&o[0])), len(s.offs)), s.offs)
	d := Alloc(len(s.data))
	copy(d, s.data)
	s.c.Offsets = addr(unsafe.Pointer(&o[0]))
	s.c.Values, s.c.ValuesLen = addr(unsafe.Pointer(&d[0])), uint32(len(s.data))
}

// ---- aggregates ----

// State is state k of the batch's state array.
func (b *Batch) State(k int) unsafe.Pointer { return ptr(b.States + uint32(k)*b.StateSize) }

// Group is the state index of row i (update) or of source state i (merge).
func (b *Batch) Group(i int) int { return int(b.Out.Int32(i)) }

// MergeSrc is source state i of a merge.
func (b *Batch) MergeSrc(i int) unsafe.Pointer { return ptr(b.Arg(0).Values + uint32(i)*b.StateSize) }

// ---- table functions ----

// SetRows declares the output rows of a table function: the input row each
// came from, ascending.
func (b *Batch) SetRows(parent []int32) {
	p := Alloc(4 * len(parent))
	copy(unsafe.Slice((*int32)(unsafe.Pointer(&p[0])), len(parent)), parent)
	b.States, b.NStates = addr(unsafe.Pointer(&p[0])), uint32(len(parent))
}
