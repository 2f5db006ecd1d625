// Package jsonlimit holds the nesting limit every parser of untrusted JSON in DTE Trust applies:
// Evidently files and UI answers, fairness results, MLflow answers, queries and rules. Real
// documents nest a few dozen levels; a document nested deeper than MaxDepth is refused with a
// DepthError before any recursive decoder sees it, so hostile input can never exhaust the stack.
package jsonlimit

import "fmt"

// MaxDepth is the deepest nesting of objects and arrays accepted (documented in README.md).
const MaxDepth = 512

// DepthError is a document nested deeper than the limit.
type DepthError struct {
	Max    int // the limit
	Offset int // byte offset of the bracket that went past it
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nested deeper than %d levels (at byte %d): refused", e.Max, e.Offset)
}

// structural marks the bytes CheckDepth looks at; everything else is passed over.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// CheckDepth returns a *DepthError when b nests objects and arrays deeper than MaxDepth. It does
// not validate b otherwise (the decoder that follows does), and it reads brackets inside strings as
// text. It runs in one pass without recursion.
func CheckDepth(b []byte) error { return Check(b, MaxDepth) }

// Check is CheckDepth with another limit.
func Check(b []byte, max int) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !structural[c] {
			continue
		}
		switch c {
		case '"':
			// skip the string: up to the next quote not escaped by a backslash
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			if depth > max {
				return &DepthError{Max: max, Offset: i}
			}
		default:
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}
