/*
 * fuzz_mbox_reader.c - the streaming mbox reader against the splitter.
 *
 * The reader over the input (a memfd) with a small chunk size, and for the
 * From_ rule also a small max_msg_size, must give the same offsets and
 * sizes as io_mbox_split() and the same (prefix of the) un-quoted bytes.
 * Both reading paths: pread and io_uring (readahead buffers of the same
 * small size, so messages span them everywhere), one per input, as its
 * last byte picks.  Slower than the splitter's own target (fuzz_mbox.c):
 * a ring and a system call per tiny chunk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"
#include "io_internal.h"
#include "mbox_seen.h"

/* Reader over fd's path must give exactly s's messages. */
static void check_reader(int fd, const seen_t *s, io_mbox_fmt_t fmt, size_t chunk,
                         size_t max, io_mode_t mode)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    const char *paths[] = { path };
    io_opts_t o = { .mbox = fmt, .mode = mode, .chunk_size = chunk, .max_msg_size = max };
    io_reader_t *r = io_reader_new(paths, 1, &o);
    io_msg_t m;
    size_t i = 0;
    if (!r)
        abort();
    while (io_reader_next(r, &m)) {
        if (m.err || i >= s->n || m.index != i || m.offset != s->offs[i] ||
            m.size != s->msgs[i].n)
            abort();
        slice_t stored = s->msgs[i];
        if (stored.n > max)
            stored.n = max;
        uint8_t *want = malloc(stored.n ? stored.n : 1);
        size_t wn = io_mbox_unquote(stored, s->fmt, want);
        if (!io_mbox_needs_unquote(stored, s->fmt) && stored.n)
            memcpy(want, stored.p, stored.n);
        if (m.data.n != wn || (wn && memcmp(m.data.p, want, wn) != 0))
            abort();
        free(want);
        io_msg_release(&m);
        i++;
    }
    if (i != s->n)
        abort();
    io_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The splitter in every format; the reader once, in the configuration
     * the input's last byte picks: format, reading path, and whether
     * max_msg_size cuts messages.  A reader is a ring set up and a read per
     * chunk; all sixteen configurations per input ran at ~200 exec/s. */
    uint8_t pick = size ? data[size - 1] : 0;
    io_mbox_fmt_t want_fmt = (io_mbox_fmt_t)(pick & 3);
    io_mode_t mode = (pick & 4) ? IO_URING : IO_SYNC;
    int cut = (pick & 8) != 0;
    for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++) {
        seen_t s = { .base = data, .size = size, .fmt = fmt };
        if (fmt == IO_MBOX_AUTO)
            s.fmt = io_mbox_detect(slice_make(data, size));
        io_mbox_split(slice_make(data, size), fmt, check_msg, &s);

        /* The reader reads files that start "From " as mboxes.  Below
         * max_msg_size it may not trust a cl2 header block it cannot see
         * whole (io/reader.c): the cut runs check the From_ rule only. */
        if (fmt == want_fmt && size >= 5 && memcmp(data, "From ", 5) == 0 &&
            size < 65536 && !(cut && s.fmt == IO_MBOX_CL2)) {
            int fd = memfd_create("fuzz_mbox", 0);
            if (fd >= 0 && write(fd, data, size) == (ssize_t)size)
                check_reader(fd, &s, fmt, 1 + size % 53,
                             cut ? 16 + size % 97 : (size_t)64 << 20, mode);
            if (fd >= 0)
                close(fd);
        }
        free(s.msgs);
        free(s.offs);
    }
    return 0;
}
