/*
 * read_sync.c - the portable reading loop (read/pread).
 *
 * The io_uring backend will batch these reads; it plugs in by replacing
 * io_read_at() and returns to this path where the kernel refuses it.
 */
#include <errno.h>
#include <unistd.h>

#include "io_internal.h"

/* Linux moves at most about 2 GiB per call; ask for less. */
#define IO_MAX_SYSCALL ((size_t)1 << 30)

int io_read_at(int fd, int seekable, uint64_t off, uint8_t *dst, size_t want,
               size_t *got)
{
    size_t n = 0;

    while (n < want) {
        size_t ask = want - n;
        if (ask > IO_MAX_SYSCALL)
            ask = IO_MAX_SYSCALL;
        ssize_t k = seekable ? pread(fd, dst + n, ask, (off_t)(off + n))
                             : read(fd, dst + n, ask);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            *got = n;
            return errno ? errno : EIO;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *got = n;
    return 0;
}

const char *io_errstr(int err)
{
    switch (err) {
    case ENOENT: return "no such file or directory";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case ELOOP: return "too many levels of symbolic links";
    case ENAMETOOLONG: return "file name too long";
    case EMFILE: return "too many open files";
    case ENFILE: return "too many open files in system";
    case ENOMEM: return "out of memory";
    case EIO: return "input/output error";
    case ENXIO: return "no such device or address";
    case EINVAL: return "invalid argument";
    case EOVERFLOW: return "value too large";
    case EFBIG: return "file too large";
    case ESTALE: return "stale file handle";
    default: return "read error";
    }
}
