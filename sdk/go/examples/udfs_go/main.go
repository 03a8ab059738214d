// Example Ember UDFs in Go (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared),
// the same functions as the C and Rust examples (used by
// tests/client/test_wasm_sdks.py):
//
//	norm(string) -> string            trims, collapses ASCII white space, lower-cases ASCII
//	bmi(double, double) -> double     weight / (height * height)
//	add_or(bigint, bigint) -> bigint  a + b, or the non-NULL one, or NULL
//	isum2(bigint) -> bigint state 16  aggregate: sum of squares of the non-NULL values
//	tokens(string) -> table(token string, pos int)   table function: words
//
// Signatures: udfs_go.sig, appended as the `ember.udf` section by the build.
package main

import "ember.dev/sdk/go/ember"

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' }

//go:wasmexport norm
func norm(d int32) int32 {
	b := ember.BatchAt(d)
	s := b.Arg(0)
	if s.Type != ember.String {
		return b.Fail("norm expects a string")
	}
	n := int(b.NRows)
	sb := ember.NewStrBuilder(&b.Out, n, int(s.ValuesLen)+16)
	var tmp []byte
	for i := 0; i < n; i++ {
		if s.IsNull(i) {
			sb.Null()
			continue
		}
		tmp = tmp[:0]
		pending := false
		for _, c := range s.Bytes(i) {
			if isSpace(c) {
				pending = len(tmp) > 0
				continue
			}
			if pending {
				tmp = append(tmp, ' ')
			}
			pending = false
			if c >= 'A' && c <= 'Z' {
				c += 32
			}
			tmp = append(tmp, c)
		}
		sb.Append(tmp)
	}
	sb.Finish()
	return 0
}

//go:wasmexport bmi
func bmi(d int32) int32 {
	b := ember.BatchAt(d)
	w, h := b.Arg(0), b.Arg(1)
	n := int(b.NRows)
	out := b.Out.Float64s(n)
	for i := 0; i < n; i++ {
		if w.IsNull(i) || h.IsNull(i) {
			b.Out.SetNull(n, i)
			continue
		}
		hh := h.Float64(i)
		out[i] = w.Float64(i) / (hh * hh)
	}
	return 0
}

//go:wasmexport add_or
func addOr(d int32) int32 {
	b := ember.BatchAt(d)
	x, y := b.Arg(0), b.Arg(1)
	n := int(b.NRows)
	out := b.Out.Int64s(n)
	for i := 0; i < n; i++ {
		xn, yn := x.IsNull(i), y.IsNull(i)
		switch {
		case xn && yn:
			b.Out.SetNull(n, i)
		case xn:
			out[i] = y.Int64(i)
		case yn:
			out[i] = x.Int64(i)
		default:
			out[i] = x.Int64(i) + y.Int64(i)
		}
	}
	return 0
}

type isum2State struct{ sum, count int64 }

//go:wasmexport isum2_init
func isum2Init(d int32) int32 { return 0 } // a zeroed state is the initial one

//go:wasmexport isum2_update
func isum2Update(d int32) int32 {
	b := ember.BatchAt(d)
	v := b.Arg(0)
	for i := 0; i < int(b.NRows); i++ {
		if v.IsNull(i) {
			continue
		}
		s := (*isum2State)(b.State(b.Group(i)))
		x := v.Int64(i)
		s.sum += x * x
		s.count++
	}
	return 0
}

//go:wasmexport isum2_merge
func isum2Merge(d int32) int32 {
	b := ember.BatchAt(d)
	for i := 0; i < int(b.NRows); i++ {
		dst := (*isum2State)(b.State(b.Group(i)))
		src := (*isum2State)(b.MergeSrc(i))
		dst.sum += src.sum
		dst.count += src.count
	}
	return 0
}

//go:wasmexport isum2_finish
func isum2Finish(d int32) int32 {
	b := ember.BatchAt(d)
	n := int(b.NStates)
	out := b.Out.Int64s(n)
	for k := 0; k < n; k++ {
		s := (*isum2State)(b.State(k))
		if s.count == 0 {
			b.Out.SetNull(n, k)
		} else {
			out[k] = s.sum
		}
	}
	return 0
}

//go:wasmexport tokens
func tokens(d int32) int32 {
	b := ember.BatchAt(d)
	s := b.Arg(0)
	var parent, pos []int32
	var words [][]byte
	for i := 0; i < int(b.NRows); i++ {
		if s.IsNull(i) {
			continue
		}
		p := s.Bytes(i)
		k := int32(0)
		for j := 0; j < len(p); {
			for j < len(p) && p[j] == ' ' {
				j++
			}
			start := j
			for j < len(p) && p[j] != ' ' {
				j++
			}
			if j > start {
				words = append(words, p[start:j])
				parent = append(parent, int32(i))
				pos = append(pos, k)
				k++
			}
		}
	}
	f := b.Out.Fields(2)
	f[0].Type, f[1].Type = ember.String, ember.Int32
	sb := ember.NewStrBuilder(&f[0], len(words), 64)
	for _, w := range words {
		sb.Append(w)
	}
	sb.Finish()
	copy(f[1].Int32s(len(pos)), pos)
	b.SetRows(parent)
	return 0
}

func main() {}
