/*
 * fuzz_mbox.c - the mbox splitter and un-quoting on hostile bytes.
 *
 * 1. io_mbox_split() with every format: each message is a slice of the
 *    input, in order, not overlapping; un-quoting only ever shrinks it, and
 *    only when io_mbox_needs_unquote() says so.
 * 2. io_find(), the vectorized "\nFrom " / ">From " search, answers as
 *    memmem() does.
 * The streaming reader over the same bytes is checked in
 * fuzz_mbox_reader.c: it needs a file and system calls per chunk, which
 * made this target a hundred times slower.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "io_internal.h"
#include "mbox_seen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)io_mbox_detect(slice_make(data, size));
    if (io_find(data, size, "\nFrom ", 6) != memmem(data, size, "\nFrom ", 6) ||
        io_find(data, size, ">From ", 6) != memmem(data, size, ">From ", 6))
        abort();
    for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++) {
        seen_t s = { .base = data, .size = size, .fmt = fmt };
        if (fmt == IO_MBOX_AUTO)
            s.fmt = io_mbox_detect(slice_make(data, size));
        io_mbox_split(slice_make(data, size), fmt, check_msg, &s);

        free(s.msgs);
        free(s.offs);
    }
    return 0;
}
