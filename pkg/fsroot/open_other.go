//go:build !unix

package fsroot

// openFlags: outside Unix, opening a file does not wait for a writer.
const openFlags = 0
