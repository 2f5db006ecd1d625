//go:build unix

package fsroot

import "syscall"

// openFlags opens without waiting: opening a FIFO for reading would otherwise block until a writer
// comes. A regular file ignores the flag.
const openFlags = syscall.O_NONBLOCK
