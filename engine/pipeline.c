/*
 * pipeline.c - the whole path of a message, in one place.
 *
 *   main thread:  io_reader_next() -> slot in the window (input order)
 *   workers (-j): take a resumed job, else the oldest unclaimed slot ->
 *                 eng_job_start(): parse headers
 *                 eng_job_run() -> eng_checks_step(): ask for every key at
 *                 once, then DKIM, SPF (envelope from Return-Path and
 *                 Received), DMARC, ARC, recorded A-R.  A job whose DNS
 *                 answer is in flight yields; the worker takes other work,
 *                 and the job is queued again when its answers land.
 *                 eng_job_finish() -> JSON line
 *   main thread:  write finished slots strictly in input order (the window
 *                 is the reorder buffer) -> release the message's buffer
 *
 * The window bounds memory: at most `window` messages are read ahead of
 * the writer, whatever the size of the corpus.  Output is byte-identical for
 * any -j because lines leave in sequence order.
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"
#include "dns.h"
#include "progress.h"
#include "report.h"

enum { SLOT_EMPTY = 0, SLOT_READY, SLOT_BUSY, SLOT_DONE };

typedef struct slot {
    io_msg_t msg;
    eng_job_t job;
    eng_buf_t line;
    int state;
    struct slot *next_resumed; /* link in the resume queue */
    uint64_t seq;              /* the message's sequence number */
} slot_t;

typedef struct run {
    const eng_config_t *cfg;
    eng_ctx_t ctx;
    eng_tally_t tally;
    slot_t *slots;
    size_t window;
    uint64_t next_read, next_claim, next_write; /* sequence numbers */
    size_t in_flight;            /* claimed, not yet done (yielded ones too) */
    slot_t *resumed, **resumed_tail; /* jobs whose DNS answers have landed */
    int eof;
    atomic_uint idle;            /* workers waiting for work (changed under mu) */
    atomic_ullong worker_ns;     /* CPU time of the workers that have finished */
    atomic_ullong starved_ns;    /* wall time workers waited for work, summed */
    unsigned long long full_ns;  /* wall time the reader waited for the window */
    off_t out_floor;             /* offset of the output where this run began */
    int writer_waits;            /* the writer sleeps until slot wait_seq is done */
    uint64_t wait_seq;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a slot became READY or a job was resumed, or eof */
    pthread_cond_t done; /* a slot became DONE */
} run_t;

static unsigned long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Called once per yield, from whichever thread delivered the last answer. */
static void job_resume(void *arg, eng_job_t *j)
{
    run_t *r = arg;
    slot_t *s = (slot_t *)((char *)j - offsetof(slot_t, job));
    pthread_mutex_lock(&r->mu);
    s->next_resumed = NULL;
    *r->resumed_tail = s;
    r->resumed_tail = &s->next_resumed;
    pthread_cond_signal(&r->work);
    pthread_mutex_unlock(&r->mu);
}

/*
 * Next work (mu held): a resumed job first, it is older; else up to
 * CLAIM_BATCH fresh slots in a row (a fair share when other workers wait),
 * so that a worker takes the lock once per few messages, not twice per
 * message.  Fills batch, returns how many; 0: the run is finished.
 */
#define CLAIM_BATCH 4u

static unsigned next_work(run_t *r, slot_t **batch, int *fresh)
{
    for (;;) {
        if (r->resumed) {
            slot_t *s = r->resumed;
            r->resumed = s->next_resumed;
            if (!r->resumed)
                r->resumed_tail = &r->resumed;
            s->state = SLOT_BUSY;
            batch[0] = s;
            *fresh = 0;
            return 1;
        }
        uint64_t avail = r->next_read - r->next_claim;
        if (avail) {
            unsigned waiting = atomic_load(&r->idle);
            uint64_t share = (avail + waiting) / (waiting + 1);
            unsigned k = share < CLAIM_BATCH ? (unsigned)share : CLAIM_BATCH;
            for (unsigned i = 0; i < k; i++) {
                batch[i] = &r->slots[r->next_claim++ % r->window];
                batch[i]->state = SLOT_BUSY;
            }
            r->in_flight += k;
            *fresh = 1;
            return k;
        }
        if (r->eof && r->in_flight == 0)
            return 0;
        r->idle++;
        unsigned long long t = mono_ns();
        pthread_cond_wait(&r->work, &r->mu);
        atomic_fetch_add_explicit(&r->starved_ns, mono_ns() - t, memory_order_relaxed);
        r->idle--;
    }
}

/* CPU time of the calling thread, in nanoseconds. */
static unsigned long long thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Run one job (no lock held).  Returns 1 if it yielded on DNS. */
static int run_one(run_t *r, slot_t *s, int fresh)
{
    if (fresh) {
        memset(&s->job, 0, sizeof s->job);
        s->job.ctx = &r->ctx;
        s->job.msg = &s->msg;
        s->job.resume = job_resume;
        s->job.resume_arg = r;
        eng_job_start(&s->job, &r->tally);
    }
    /* A job that yields is parked until job_resume(): this worker moves on. */
    int yielded = eng_job_run(&s->job);
    if (!yielded)
        eng_job_finish(&s->job, &r->tally, &s->line);
    return yielded;
}

static void *worker(void *arg)
{
    run_t *r = arg;
    slot_t *batch[CLAIM_BATCH];
    int yielded[CLAIM_BATCH];
    int fresh;
    unsigned k;
    pthread_mutex_lock(&r->mu);
    while ((k = next_work(r, batch, &fresh)) != 0) {
        pthread_mutex_unlock(&r->mu);
        for (unsigned i = 0; i < k; i++)
            yielded[i] = run_one(r, batch[i], fresh);
        int wake_writer = 0;
        pthread_mutex_lock(&r->mu);
        for (unsigned i = 0; i < k; i++) {
            if (yielded[i])
                continue; /* a resumed job's slot is no longer this worker's */
            batch[i]->state = SLOT_DONE;
            r->in_flight--;
            /* wake the writer only for the slot it waits on, not for every line */
            wake_writer |= r->writer_waits && batch[i]->seq == r->wait_seq;
        }
        if (r->eof && r->in_flight == 0)
            pthread_cond_broadcast(&r->work); /* let the others finish */
        if (wake_writer) {
            /*
             * Signalled with the lock held, the writer woke only to sleep
             * again on the lock, and each hand-over cost two more futex
             * calls.  It re-checks under the lock, so signalling after
             * unlocking loses nothing; before next_work(), which may wait.
             */
            pthread_mutex_unlock(&r->mu);
            pthread_cond_signal(&r->done);
            pthread_mutex_lock(&r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
    atomic_fetch_add(&r->worker_ns, thread_cpu_ns());
    return NULL;
}

#define NO_WAIT UINT64_MAX

/*
 * mu held: a slot to wait for until the head slot and slot `until` are
 * both done, `until` first.  Workers mostly finish in order, so the head
 * is done by the time `until` is; waiting for the head first cost a second
 * wake-up (and the worker's futex call) on most hand-overs.
 */
static uint64_t first_not_done(const run_t *r, uint64_t until)
{
    if (r->slots[until % r->window].state != SLOT_DONE)
        return until;
    if (r->slots[r->next_write % r->window].state != SLOT_DONE)
        return r->next_write;
    return NO_WAIT;
}

/*
 * Write the finished slots at the head of the window, in order.  With
 * until (a published sequence number, not NO_WAIT), first wait until the
 * head slot and slot `until` are both done: waiting for the head alone
 * woke this thread for every message the workers finished in order.  One
 * lock to see how many are done and one to hand them back, not two per
 * line: the workers take the same lock for every message.  Returns how
 * many were written.
 */
static size_t write_done(run_t *r, FILE *out, uint64_t until, uint64_t *lines, int *werr)
{
    size_t k = 0;
    pthread_mutex_lock(&r->mu);
    while (until != NO_WAIT && r->next_write <= until &&
           (r->wait_seq = first_not_done(r, until)) != NO_WAIT) {
        r->writer_waits = 1;
        unsigned long long t = mono_ns();
        pthread_cond_wait(&r->done, &r->mu);
        if (!r->eof)
            r->full_ns += mono_ns() - t;
        r->writer_waits = 0;
    }
    while (r->next_write + k < r->next_read &&
           r->slots[(r->next_write + k) % r->window].state == SLOT_DONE)
        k++;
    pthread_mutex_unlock(&r->mu);
    if (!k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        slot_t *s = &r->slots[(r->next_write + i) % r->window];
        if (s->line.oom) {
            if (!*werr)
                fprintf(stderr, "authsweep: out of memory building a line\n");
            *werr = 1;
        } else if (!*werr && fwrite(s->line.p, 1, s->line.n, out) != s->line.n) {
            fprintf(stderr, "authsweep: writing output: %s\n", strerror(errno));
            *werr = 1;
        } else if (!*werr) {
            (*lines)++;
        }
        io_msg_release(&s->msg);
        s->line.n = 0;
        s->state = SLOT_EMPTY; /* only this thread reads an EMPTY slot's state */
    }
    pthread_mutex_lock(&r->mu);
    r->next_write += k;
    pthread_mutex_unlock(&r->mu);
    return k;
}

/*
 * The window's slots (a job each, ~5.8 KB) are all touched within the
 * first window of messages.  Left to fault in a page at a time, the 128
 * slots of -j1 took ~180 page faults, and a fault costs 10-13 us on this
 * project's VMs: 2 ms of a 0.23 s run.  MAP_POPULATE maps them zeroed in
 * one call, up to SLOTS_POPULATE bytes: a large -j on a small input should
 * not commit memory it will never touch.  calloc where mmap is refused.
 */
#define SLOTS_POPULATE ((size_t)8 << 20)

static slot_t *slots_new(size_t n, size_t *mapped)
{
    *mapped = 0;
    if (n > SIZE_MAX / sizeof(slot_t))
        return NULL;
    size_t bytes = n * sizeof(slot_t);
    int populate = bytes <= SLOTS_POPULATE ? MAP_POPULATE : 0;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);
    if (p != MAP_FAILED) {
        *mapped = bytes;
        return p;
    }
    return calloc(n, sizeof(slot_t));
}

static void slots_free(slot_t *s, size_t mapped)
{
    if (mapped)
        munmap(s, mapped);
    else
        free(s);
}

/*
 * Lines leave in writes of 64 KiB, not of stdio's default 4 KiB: a system
 * call costs over a microsecond on this project's VMs, and the bench
 * corpus's 2.6 MB of JSON took 650 writes of the reader/writer thread (41
 * now).  Not larger: each fresh 4 KiB page of the buffer is a page fault,
 * which costs about ten writes.  Static, because stdout outlives eng_run
 * (glibc ignores the size when setvbuf allocates), and given to one stream
 * a process at most.  A terminal keeps its line buffering.
 */
static char out_buf[64 << 10];
static int out_buf_given;

static FILE *open_output(const char *path)
{
    FILE *f = stdout;
    if (path && strcmp(path, "-") != 0 && !(f = fopen(path, "w"))) {
        fprintf(stderr, "authsweep: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (!out_buf_given && !isatty(fileno(f))) {
        out_buf_given = 1;
        (void)setvbuf(f, out_buf, _IOFBF, sizeof out_buf); /* refused is fine */
    }
    return f;
}

/*
 * After a failed write (ENOSPC, EFBIG) a regular output file may end in
 * part of a line.  Cut it back to its last newline, never below `floor`
 * (where this run's output began), so a reader of the JSONL never meets
 * half a record (catalogue H5).  The file is read through /proc/self/fd:
 * an output opened write-only (a shell's > redirect) cannot be read by fd.
 */
static void cut_partial_line(int fd, off_t floor)
{
    struct stat st;
    char path[64];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= floor)
        return;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rfd = open(path, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        return;
    off_t end = st.st_size, keep = floor;
    char buf[4096];
    while (end > floor) {
        size_t n = (size_t)(end - floor) < sizeof buf ? (size_t)(end - floor) : sizeof buf;
        if (pread(rfd, buf, n, end - (off_t)n) != (ssize_t)n)
            break;
        const char *nl = memrchr(buf, '\n', n);
        if (nl) {
            keep = end - (off_t)n + (nl - buf) + 1;
            break;
        }
        end -= (off_t)n;
    }
    close(rfd);
    if (keep < st.st_size && ftruncate(fd, keep) != 0)
        fprintf(stderr, "authsweep: cutting the partial last line: %s\n", strerror(errno));
}

static double now_seconds(void)
{
    return (double)mono_ns() / 1e9;
}

/* Hand the slots filled since the last call to the workers. */
static void publish(run_t *r, uint64_t filled)
{
    if (filled == r->next_read)
        return;
    pthread_mutex_lock(&r->mu);
    r->next_read = filled;
    if (r->idle)
        pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->mu);
}

/*
 * Read every message into the window, writing finished lines as room is
 * needed.  Read messages are handed over in batches of PUBLISH_BATCH while
 * every worker is busy (one lock per batch, not per message), at once when
 * one is idle, and always before this thread waits for anything.
 */
#define PUBLISH_BATCH 8u

static void feed(run_t *r, io_reader_t *rd, FILE *out, uint64_t *in, uint64_t *lines,
                 int *werr)
{
    io_msg_t m;
    uint64_t filled = r->next_read; /* slots [next_read, filled) are ours, unpublished */
    while (io_reader_next(rd, &m) == 1) {
        (*in)++;
        /*
         * A full window: wait for half of it to be written, not for one
         * slot, so the reader and the workers do not hand over one message
         * at a time.  Each wake-up costs the worker that signals it 35-50 us
         * on this project's VMs (a futex wake and an IPI): with a quarter of
         * a 64-slot window, that was 15-20 ms of a -j1 worker's 0.23 s on
         * the bench corpus; with half of 128, about 4 ms.
         */
        if (filled - r->next_write >= r->window) {
            publish(r, filled);
            uint64_t target = r->next_write + r->window / 2 + 1;
            while (r->next_write < target)
                write_done(r, out, target - 1, lines, werr);
        }
        write_done(r, out, NO_WAIT, lines, werr);
        slot_t *s = &r->slots[filled % r->window];
        s->msg = m;
        s->seq = filled;
        s->state = SLOT_READY;
        filled++;
        if (filled - r->next_read >= PUBLISH_BATCH ||
            atomic_load_explicit(&r->idle, memory_order_relaxed))
            publish(r, filled);
    }
    publish(r, filled);
    pthread_mutex_lock(&r->mu);
    r->eof = 1;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->mu);
    while (r->next_write < r->next_read)
        write_done(r, out, r->next_read - 1, lines, werr);
}

static int run_with(const eng_config_t *cfg, run_t *r, FILE *out)
{
    double t0 = now_seconds();
    uint64_t in = 0, lines = 0;
    int werr = 0;
    io_reader_t *rd = io_reader_new(cfg->paths, cfg->npaths, &cfg->io);
    pthread_t *th = calloc(cfg->jobs, sizeof *th);
    if (!rd || !th) {
        fprintf(stderr, "authsweep: out of memory\n");
        io_reader_free(rd);
        free(th);
        return ENG_EXIT_OUTPUT;
    }
    unsigned started = 0;
    for (; started < cfg->jobs; started++)
        if (pthread_create(&th[started], NULL, worker, r) != 0)
            break;
    if (started == 0) {
        fprintf(stderr, "authsweep: cannot start worker threads\n");
        io_reader_free(rd);
        free(th);
        return ENG_EXIT_OUTPUT;
    }
    int show = cfg->progress < 0 ? isatty(STDERR_FILENO) : cfg->progress;
    eng_progress_t *prog = show ? eng_progress_start(cfg, &r->tally, r->ctx.dns) : NULL;
    feed(r, rd, out, &in, &lines, &werr);
    unsigned long long reader_ns = thread_cpu_ns();
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    eng_progress_stop(prog);
    if (fflush(out) != 0 || ferror(out)) {
        if (!werr)
            fprintf(stderr, "authsweep: writing output: %s\n", strerror(errno));
        werr = 1;
    }
    if (werr) {
        /* Drop what stdio still holds, or fclose would write it after the cut. */
        __fpurge(out);
        cut_partial_line(fileno(out), r->out_floor);
        lines = 0; /* how many whole lines reached the file is unknown: claim none */
    }
    double secs = now_seconds() - t0;
    if (cfg->summary) {
        dns_stats_t ds;
        eng_tally_print(&r->tally, secs);
        dns_get_stats(r->ctx.dns, &ds);
        fprintf(stderr, "  DNS queries %llu, cache hits %llu, coalesced waits %llu, "
                        "NXDOMAIN %llu, NODATA %llu, timeouts %llu, SERVFAIL %llu, "
                        "REFUSED %llu, broken %llu\n",
                (unsigned long long)ds.queries, (unsigned long long)ds.hits,
                (unsigned long long)ds.coalesced, (unsigned long long)ds.nxdomain,
                (unsigned long long)ds.nodata, (unsigned long long)ds.timeouts,
                (unsigned long long)ds.servfails, (unsigned long long)ds.refused,
                (unsigned long long)ds.broken);
        /*
         * Where the time went: a reader near its limit caps what more -j
         * buys.  Workers idle (nothing read yet, or every job waiting for
         * DNS) while the reader waits for the window means one slow message
         * holds up the output order.
         */
        fprintf(stderr, "  CPU: reader and writer %.3f s, %u worker%s %.3f s; "
                        "waits: workers idle %.3f s, reader for the window %.3f s\n",
                (double)reader_ns / 1e9, started, started == 1 ? "" : "s",
                (double)atomic_load(&r->worker_ns) / 1e9,
                (double)atomic_load(&r->starved_ns) / 1e9, (double)r->full_ns / 1e9);
        uint64_t direct, refused;
        io_reader_direct(rd, &direct, &refused);
        fprintf(stderr, "  input: %.1f MB read, %.1f MB of it with O_DIRECT%s\n",
                (double)io_reader_bytes(rd) / 1e6, (double)direct / 1e6,
                refused ? " (refused on some files: read through the page cache)" : "");
    }
    fprintf(stderr, "authsweep: %llu messages in, %llu lines out, %.2f s\n",
            (unsigned long long)in, (unsigned long long)lines, secs);
    size_t failures = io_reader_failures(rd);
    io_reader_free(rd);
    if (werr)
        return ENG_EXIT_OUTPUT;
    return failures ? ENG_EXIT_INPUT : ENG_EXIT_OK;
}

/* What every checker shares: DNS, the PSL, the compiled --border-by. */
static int ctx_open(const eng_config_t *cfg, eng_ctx_t *ctx, regex_t *re)
{
    char err[512];
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = cfg;
    ctx->dns = dns_open(cfg->dns_spec, &cfg->dns, err, sizeof err);
    if (!ctx->dns) {
        fprintf(stderr, "authsweep: --dns=%s: %s\n", cfg->dns_spec, err);
        return -1;
    }
    if (cfg->env.border_by) {
        int rc = regcomp(re, cfg->env.border_by, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            regerror(rc, re, err, sizeof err);
            fprintf(stderr, "authsweep: --border-by: %s\n", err);
            dns_close(ctx->dns);
            return -1;
        }
        ctx->border_by = re;
    }
    if (cfg->checks & ENG_CHECK_DMARC) {
        ctx->psl = dmarc_psl_open(cfg->psl_file, err, sizeof err);
        if (!ctx->psl) {
            fprintf(stderr, "authsweep: public suffix list: %s\n", err);
            if (ctx->border_by)
                regfree(re);
            dns_close(ctx->dns);
            return -1;
        }
    }
    return 0;
}

static void ctx_close(eng_ctx_t *ctx)
{
    if (ctx->psl)
        dmarc_psl_close(ctx->psl);
    if (ctx->border_by)
        regfree(ctx->border_by);
    dns_close(ctx->dns);
}

int eng_run(const eng_config_t *cfg)
{
    regex_t re;
    run_t r = { .cfg = cfg };
    r.resumed_tail = &r.resumed;
    if (ctx_open(cfg, &r.ctx, &re) < 0)
        return ENG_EXIT_USAGE;
    FILE *out = open_output(cfg->output);
    if (!out) {
        ctx_close(&r.ctx);
        return ENG_EXIT_OUTPUT;
    }
    off_t at = lseek(fileno(out), 0, SEEK_CUR);
    r.out_floor = at > 0 ? at : 0;
    /* at least 128: fewer, larger hand-overs at -j1 (see feed()) */
    r.window = (size_t)cfg->jobs * 64 < 128 ? 128 : (size_t)cfg->jobs * 64;
    size_t mapped;
    r.slots = slots_new(r.window, &mapped);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.work, NULL);
    pthread_cond_init(&r.done, NULL);
    int rc = ENG_EXIT_OUTPUT;
    if (r.slots)
        rc = run_with(cfg, &r, out);
    else
        fprintf(stderr, "authsweep: out of memory\n");
    for (size_t i = 0; r.slots && i < r.window; i++)
        eng_buf_free(&r.slots[i].line);
    slots_free(r.slots, mapped);
    pthread_cond_destroy(&r.done);
    pthread_cond_destroy(&r.work);
    pthread_mutex_destroy(&r.mu);
    if (out != stdout && fclose(out) != 0 && rc == ENG_EXIT_OK) {
        fprintf(stderr, "authsweep: closing output: %s\n", strerror(errno));
        rc = ENG_EXIT_OUTPUT;
    }
    char err[512];
    if (cfg->dns_record && dns_record_write(r.ctx.dns, cfg->dns_record, err, sizeof err)) {
        fprintf(stderr, "authsweep: --dns-record: %s\n", err);
        rc = ENG_EXIT_OUTPUT;
    }
    ctx_close(&r.ctx);
    return rc;
}
