/*
 * fuzz_mbox_reader.c - the streaming mbox reader against the splitter.
 *
 * The reader over the input (a memfd) with a small chunk size, and for the
 * From_ rule also a small max_msg_size, must give the same offsets and
 * sizes as io_mbox_split() and the same (prefix of the) un-quoted bytes.
 * Both reading paths: pread and io_uring (readahead buffers of the same
 * small size, so messages span them everywhere).  Slow by nature (a ring
 * and a system call per tiny chunk): the splitter's own checks run fast in
 * fuzz_mbox.c.
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
    for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++) {
        seen_t s = { .base = data, .size = size, .fmt = fmt };
        if (fmt == IO_MBOX_AUTO)
            s.fmt = io_mbox_detect(slice_make(data, size));
        io_mbox_split(slice_make(data, size), fmt, check_msg, &s);

        /* The reader reads files that start "From " as mboxes. */
        if (size >= 5 && memcmp(data, "From ", 5) == 0 && size < 65536) {
            int fd = memfd_create("fuzz_mbox", 0);
            if (fd >= 0 && write(fd, data, size) == (ssize_t)size) {
                size_t chunk = 1 + size % 53;
                for (io_mode_t mode = IO_SYNC; mode <= IO_URING; mode++) {
                    check_reader(fd, &s, fmt, chunk, (size_t)64 << 20, mode);
                    /* Below max_msg_size the reader may not trust a cl2 header
                     * block it cannot see whole (io/reader.c): From_ rule only. */
                    if (s.fmt != IO_MBOX_CL2)
                        check_reader(fd, &s, fmt, chunk, 16 + size % 97, mode);
                }
            }
            if (fd >= 0)
                close(fd);
        }
        free(s.msgs);
        free(s.offs);
    }
    return 0;
}
